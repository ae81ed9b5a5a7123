// Segmenter as registered: the paper's variants as mmsegmentation's ADE20K configs set them (512×512
// position grid, bicubic resizing, encoder drop path 0.1; the mask transformer of 2 blocks with dropout
// 0.1). ViT-S has DeiT-S's shape (width 384, 12 blocks, 6 heads). `encoder` overrides entries of the
// encoder's options (another size: embedDim, depth, numHeads, patchSize, imgSize, ...).
import { register, type Builder } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { Segmenter, type SegmenterOptions } from "./model.js";

const ADE = { imgSize: 512, posEmbedInterpolation: "bicubic", dropPathRate: 0.1 };

function preset(encoder: Record<string, unknown>, decoder: "linear" | "mask_transformer", summary: string): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "loss", "encoder", ...(decoder === "mask_transformer" ? ["decoderLayers", "decoderDropout", "decoderDropPathRate"] : [])],
    summary,
    build: ({ encoder: overrides, ...o }) => new Segmenter({ ...o, decoder, encoder: { ...ADE, ...encoder, ...(overrides as Record<string, unknown> | undefined) } } as unknown as SegmenterOptions),
  };
}

const VIT_S16 = { embedDim: 384, depth: 12, numHeads: 6 };
const VIT_B16 = { embedDim: 768, depth: 12, numHeads: 12 };
const VIT_L16 = { embedDim: 1024, depth: 24, numHeads: 16 };
register("model", "segmenter_linear_vit_s16", preset(VIT_S16, "linear", "Segmenter-S/16 with the linear decoder"));
register("model", "segmenter_mask_vit_s16", preset(VIT_S16, "mask_transformer", "Segmenter-S/16 with the mask transformer"));
register("model", "segmenter_mask_vit_b16", preset(VIT_B16, "mask_transformer", "Segmenter-B/16 with the mask transformer"));
register("model", "segmenter_mask_vit_l16", preset(VIT_L16, "mask_transformer", "Segmenter-L/16 with the mask transformer"));
