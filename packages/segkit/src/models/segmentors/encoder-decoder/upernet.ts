// UPerNet on a named backbone as mmsegmentation's upernet_swin / upernet_convnext configs compose it:
// a UPerHead of 512 channels over the four levels and, in training, an FCN auxiliary head (weight
// 0.4) on the third level: one 3×3 conv-BN-ReLU of 256 channels, no concatenation. The backbone's
// own options pass through; the head widths may be overridden (the tests build reduced models).
import { build, type Builder } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import "../../heads/uper-head.js";
import "../../heads/mmseg-fcn-head.js";
import "./from-config.js";

export function upernet(backbone: string, backboneOptions: readonly string[], summary: string): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "headChannels", "auxChannels", "auxLoss", ...backboneOptions],
    summary,
    build: ({ numClasses, ignoreIndex, headChannels = 512, auxChannels = 256, auxLoss = true, ...options }, where) => build<Segmentor>("model", {
      type: "encoder_decoder", numClasses, ignoreIndex, backbone: { type: backbone, ...options },
      head: { type: "uper", channels: headChannels },
      auxiliary: auxLoss ? [{ type: "mmseg_fcn", inIndex: 2, channels: auxChannels, numConvs: 1, concatInput: false }] : [],
    }, where),
  };
}
