// HRNet backbones as data: the stage layouts of HRNetV2-W18-Small (v1 and v2), W18, W32 and W48, as
// the HRNet authors' configs, mmsegmentation's (hrnetv2_w18_small is its "hr18s": the authors'
// W18-Small-v2) and timm's hrnet.py define them. `stages` replaces the layout (reduced test models),
// `fuseUpsample` picks mmseg's bilinear, timm's nearest or the authors' aligned fusion; pretrained
// weights load by the same keys (timm's and the authors' classification checkpoints: pretrainedMap
// "timm_hrnet"; the backbone part of the authors' segmentation checkpoints as they are).
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { PRETRAINED_OPTIONS, withPretrained } from "../pretrained.js";
import { HRNet, type HRStage } from "./hrnet.js";

const OPTIONS = ["stages", "fuseUpsample", ...PRETRAINED_OPTIONS];

/** HRNetV2-W`width`: stage 1 four Bottlenecks of 64; stages 2–4 of 1, 4, 3 modules, four blocks per branch, widths doubling. */
function standard(width: number): HRStage[] {
  return [
    { modules: 1, blocks: [4], channels: [64] },
    { modules: 1, blocks: [4, 4], channels: [width, 2 * width] },
    { modules: 4, blocks: [4, 4, 4], channels: [width, 2 * width, 4 * width] },
    { modules: 3, blocks: [4, 4, 4, 4], channels: [width, 2 * width, 4 * width, 8 * width] },
  ];
}

export const HRNET_STAGES: Record<string, HRStage[]> = {
  hrnet_w18_small: [
    { modules: 1, blocks: [1], channels: [32] },
    { modules: 1, blocks: [2, 2], channels: [16, 32] },
    { modules: 1, blocks: [2, 2, 2], channels: [16, 32, 64] },
    { modules: 1, blocks: [2, 2, 2, 2], channels: [16, 32, 64, 128] },
  ],
  hrnet_w18_small_v2: [
    { modules: 1, blocks: [2], channels: [64] },
    { modules: 1, blocks: [2, 2], channels: [18, 36] },
    { modules: 3, blocks: [2, 2, 2], channels: [18, 36, 72] },
    { modules: 2, blocks: [2, 2, 2, 2], channels: [18, 36, 72, 144] },
  ],
  hrnet_w18: standard(18),
  hrnet_w32: standard(32),
  hrnet_w48: standard(48),
};

function hrnet(name: string, { stages, pretrained, pretrainedMap, ...o }: Record<string, unknown>, where: string): Backbone {
  return withPretrained(new HRNet({ stages: (stages as HRStage[] | undefined) ?? HRNET_STAGES[name], ...o }), { pretrained, pretrainedMap }, where);
}

register<Backbone>("backbone", "hrnet_w18_small", {
  options: OPTIONS, summary: "HRNetV2-W18-Small (v1: widths 16-128, one module per stage; timm's hrnet_w18_small)", build: (o, where) => hrnet("hrnet_w18_small", o, where),
});
register<Backbone>("backbone", "hrnet_w18_small_v2", {
  options: OPTIONS, summary: "HRNetV2-W18-Small-v2 (mmsegmentation's hr18s: W18 widths, 2 blocks per branch)", build: (o, where) => hrnet("hrnet_w18_small_v2", o, where),
});
register<Backbone>("backbone", "hrnet_w18", {
  options: OPTIONS, summary: "HRNetV2-W18 (four branches of 18/36/72/144 channels)", build: (o, where) => hrnet("hrnet_w18", o, where),
});
register<Backbone>("backbone", "hrnet_w32", {
  options: OPTIONS, summary: "HRNetV2-W32 (four branches of 32/64/128/256 channels)", build: (o, where) => hrnet("hrnet_w32", o, where),
});
register<Backbone>("backbone", "hrnet_w48", {
  options: OPTIONS, summary: "HRNetV2-W48 (four branches of 48/96/192/384 channels)", build: (o, where) => hrnet("hrnet_w48", o, where),
});
