// Semantic FPN (Kirillov et al. 2019) on a named backbone, as the PVT and PoolFormer authors'
// segmentation configs compose it: FPN neck of 256 channels, FPN head of 128, no auxiliary head.
// The backbone's own options pass through, and the neck and head widths may be overridden (the
// tests build reduced models this way).
import { build, type Builder } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import "./from-config.js";

export function semanticFpn(backbone: string, backboneOptions: readonly string[], summary: string): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "neckChannels", "headChannels", ...backboneOptions],
    summary,
    build: ({ numClasses, ignoreIndex, neckChannels = 256, headChannels = 128, ...options }, where) => build<Segmentor>("model", {
      type: "encoder_decoder", numClasses, ignoreIndex, backbone: { type: backbone, ...options },
      neck: { type: "fpn", outChannels: neckChannels }, head: { type: "fpn", channels: headChannels },
    }, where),
  };
}
