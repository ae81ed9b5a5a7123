// SETR (Zheng et al. 2021) as mmsegmentation's configs compose it (configs/_base_/models/setr_*.py, the
// ADE20K 512×512 backbone size): ViT-L/16 without final norm, position embedding resized bilinearly,
// features from four blocks; the naive and PUP heads read the last, MLA aggregates all four through
// its neck. With auxLoss, the configs' auxiliary heads (weight 0.4): naive and PUP add SETR-up heads
// on the other three blocks, MLA a 1×1 classifier (mmseg's FCNHead without convs) on each of the
// neck's four outputs. `backbone`
// overrides entries of the backbone config (another width or depth; a "vit" type for any size).
import { build, register, type Builder, type Config } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";

interface Preset {
  summary: string;
  backbone: Config;
  neck?: Config;
  head: Config;
  auxiliary: Config[];
}

function preset({ summary, backbone, neck, head, auxiliary }: Preset): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "auxLoss", "loss", "backbone"],
    summary,
    build: ({ auxLoss, backbone: overrides, ...o }, where) => build<Segmentor>("model", {
      type: "encoder_decoder", ...o, backbone: { ...backbone, ...(overrides as Config | undefined) }, head, ...(neck ? { neck } : {}),
      auxiliary: auxLoss ? auxiliary : [],
    }, where),
  };
}

const VIT_L16 = { type: "vit_l16", imgSize: 512, finalNorm: false, posEmbedInterpolation: "bilinear" };
const FOUR = { ...VIT_L16, outIndices: [9, 14, 19, 23] };
const NAIVE = { type: "setr_up", channels: 256, numConvs: 1, upScale: 4, kernelSize: 1 };

register("model", "setr_naive_vit_l16", preset({
  summary: "SETR-Naive on ViT-L/16 (mmsegmentation's setr_naive config): 1×1 conv, ×4 upsampling",
  backbone: FOUR, head: { ...NAIVE, inIndex: 3 }, auxiliary: [0, 1, 2].map((inIndex) => ({ ...NAIVE, inIndex })),
}));
register("model", "setr_pup_vit_l16", preset({
  summary: "SETR-PUP on ViT-L/16 (mmsegmentation's setr_pup config): four 3×3 convs, each ×2 upsampling",
  backbone: FOUR,
  head: { type: "setr_up", inIndex: 3, channels: 256, numConvs: 4, upScale: 2, kernelSize: 3 },
  auxiliary: [0, 1, 2].map((inIndex) => ({ type: "setr_up", inIndex, channels: 256, numConvs: 1, upScale: 4, kernelSize: 3 })),
}));
register("model", "setr_mla_vit_l16", preset({
  summary: "SETR-MLA on ViT-L/16 (mmsegmentation's setr_mla config): multi-level aggregation neck and head",
  backbone: { ...VIT_L16, outIndices: [5, 11, 17, 23], withClsToken: false },
  neck: { type: "mla", outChannels: 256 },
  head: { type: "setr_mla", inIndex: [0, 1, 2, 3], mlaChannels: 128 },
  auxiliary: [0, 1, 2, 3].map((inIndex) => ({ type: "mmseg_fcn", inIndex, channels: 256, numConvs: 0, kernelSize: 1, concatInput: false, dropoutRatio: 0 })),
}));
