// MaskFormer as registered, from the authors' configs (every width and depth may be overridden; the
// tests build reduced models this way). Both: ResNet-50 (torchvision's layout: detectron2's R-50 with
// STRIDE_IN_1X1 False computes the same, its keys differ), pixel decoder of 256 with GroupNorm(32),
// mask embeddings of 256, 100 queries, a 6-layer post-norm decoder of width 256, 8 heads, feed-forward
// 2048, dropout 0.1, deep supervision, no-object weight 0.1, mask (focal) weight 20, dice weight 1.
// - "maskformer_r50" (configs/ade20k-150/maskformer_R50_bs16_160k.yaml): BasePixelDecoder, the
//   transformer decoder reads res5;
// - "maskformer_panoptic_r50" (configs/coco-panoptic/maskformer_panoptic_R50_bs64_554k.yaml):
//   TransformerEncoderPixelDecoder with 6 encoder layers, whose output the decoder reads.
import { build, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { Segmentor } from "../segmentor.js";
import { MaskFormer } from "./model.js";

const OPTIONS = [
  "numClasses", "ignoreIndex", "backbone", "convDim", "maskDim", "normGroups", "pixelEncoderLayers", "hiddenDim", "numQueries", "nHeads", "dimFeedforward",
  "dropout", "encoderLayers", "decoderLayers", "preNorm", "enforceInputProjection", "eosCoef", "classWeight", "maskWeight", "diceWeight", "deepSupervision",
];

function maskFormer(o: Record<string, unknown>, where: string, pixelEncoderLayers: number): MaskFormer {
  const int = (key: string, fallback: number, min: number): number => {
    const v = o[key] ?? fallback;
    if (!(Number.isInteger(v) && (v as number) >= min)) throw new RangeError(`${where}: "${key}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const transformer = {
    nHeads: int("nHeads", 8, 1), dimFeedforward: int("dimFeedforward", 2048, 1), dropout: (o.dropout ?? 0.1) as number, preNorm: (o.preNorm ?? false) as boolean,
  };
  const encoderLayers = int("pixelEncoderLayers", pixelEncoderLayers, 0);
  const pixelDecoder = {
    convDim: int("convDim", 256, 1), maskDim: int("maskDim", 256, 1), normGroups: o.normGroups === null ? null : int("normGroups", 32, 1),
    encoder: encoderLayers === 0 ? null : { ...transformer, encoderLayers },
  };
  const predictor = {
    ...transformer, hiddenDim: int("hiddenDim", 256, 2), numQueries: int("numQueries", 100, 1), encoderLayers: int("encoderLayers", 0, 0),
    decoderLayers: int("decoderLayers", 6, 1), enforceInputProjection: (o.enforceInputProjection ?? false) as boolean,
  };
  return new MaskFormer({
    backbone: build<Backbone>("backbone", (o.backbone ?? { type: "resnet50" }) as Config, `${where}.backbone`),
    numClasses: o.numClasses as number,
    ignoreIndex: o.ignoreIndex as number | undefined,
    pixelDecoder,
    predictor,
    criterion: {
      eosCoef: o.eosCoef as number | undefined, classWeight: o.classWeight as number | undefined, maskWeight: o.maskWeight as number | undefined,
      diceWeight: o.diceWeight as number | undefined, deepSupervision: o.deepSupervision as boolean | undefined,
    },
  });
}

register<Segmentor>("model", "maskformer_r50", {
  options: OPTIONS,
  summary: "MaskFormer (Cheng et al. 2021), ResNet-50, ADE20K config: mask classification by 100 queries (semantic, panoptic and instance inference), the authors' keys",
  build: (o, where) => maskFormer(o, where, 0),
});

register<Segmentor>("model", "maskformer_panoptic_r50", {
  options: OPTIONS,
  summary: "MaskFormer (Cheng et al. 2021), ResNet-50, COCO panoptic config: pixel decoder with a 6-layer transformer encoder feeding the query decoder, the authors' keys",
  build: (o, where) => maskFormer(o, where, 6),
});
