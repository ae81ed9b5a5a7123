// Mask2Former as registered, from the authors' configs (every width and depth may be overridden; the
// tests build reduced models this way). ResNet-50 (torchvision's layout: detectron2's R-50 with
// STRIDE_IN_1X1 False computes the same, its keys differ); pixel decoder of 256 with GroupNorm(32),
// a 6-layer deformable encoder over res3..res5 (8 heads, 4 points, feed-forward 1024, dropout 0),
// mask embeddings of 256; 100 queries, a 9-layer masked decoder (DEC_LAYERS 10) of width 256, 8 heads,
// feed-forward 2048; no-object weight 0.1, class weight 2, mask (BCE) weight 5, dice weight 5,
// 12544 points per mask (oversampling 3, importance share 0.75).
// - "mask2former_r50" (configs/ade20k/semantic-segmentation/maskformer2_R50_bs16_160k.yaml; the COCO
//   panoptic config maskformer2_R50_bs16_50ep.yaml is the same network at 133 classes);
// - "mask2former_swin_t" (configs/coco/panoptic-segmentation/swin/maskformer2_swin_tiny_bs16_50ep.yaml):
//   the same head on Swin-T (window 7, drop path 0.3; segkit's timm-layout keys).
import { build, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { Segmentor } from "../segmentor.js";
import { Mask2Former } from "./model.js";

const OPTIONS = [
  "numClasses", "ignoreIndex", "backbone", "convDim", "maskDim", "normGroups", "pixelEncoderLayers", "pixelDimFeedforward", "nPoints", "encoderLevels",
  "hiddenDim", "numQueries", "nHeads", "dimFeedforward", "dropout", "decoderLayers", "enforceInputProjection", "eosCoef", "classWeight", "maskWeight",
  "diceWeight", "deepSupervision", "numPoints", "oversampleRatio", "importanceSampleRatio",
];

function mask2Former(o: Record<string, unknown>, where: string, backbone: Config): Mask2Former {
  const int = (key: string, fallback: number, min: number): number => {
    const v = o[key] ?? fallback;
    if (!(Number.isInteger(v) && (v as number) >= min)) throw new RangeError(`${where}: "${key}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const nHeads = int("nHeads", 8, 1);
  return new Mask2Former({
    backbone: build<Backbone>("backbone", (o.backbone ?? backbone) as Config, `${where}.backbone`),
    numClasses: o.numClasses as number,
    ignoreIndex: o.ignoreIndex as number | undefined,
    pixelDecoder: {
      convDim: int("convDim", 256, 2), maskDim: int("maskDim", 256, 1), normGroups: int("normGroups", 32, 1), encoderLevels: int("encoderLevels", 3, 3),
      encoderLayers: int("pixelEncoderLayers", 6, 0), nHeads, nPoints: int("nPoints", 4, 1), dimFeedforward: int("pixelDimFeedforward", 1024, 1),
      dropout: (o.dropout ?? 0) as number,
    },
    predictor: {
      hiddenDim: int("hiddenDim", 256, 2), numQueries: int("numQueries", 100, 1), nHeads, dimFeedforward: int("dimFeedforward", 2048, 1),
      layers: int("decoderLayers", 9, 0), enforceInputProjection: (o.enforceInputProjection ?? false) as boolean,
    },
    criterion: {
      eosCoef: o.eosCoef as number | undefined, classWeight: (o.classWeight ?? 2) as number, maskWeight: (o.maskWeight ?? 5) as number,
      diceWeight: (o.diceWeight ?? 5) as number, deepSupervision: o.deepSupervision as boolean | undefined, numPoints: o.numPoints as number | undefined,
      oversampleRatio: o.oversampleRatio as number | undefined, importanceSampleRatio: o.importanceSampleRatio as number | undefined,
    },
  });
}

register<Segmentor>("model", "mask2former_r50", {
  options: OPTIONS,
  summary: "Mask2Former (Cheng et al. 2022), ResNet-50: deformable-attention pixel decoder, masked-attention decoder of 100 queries, point-sampled losses (semantic, panoptic and instance inference), the authors' keys",
  build: (o, where) => mask2Former(o, where, { type: "resnet50" }),
});

register<Segmentor>("model", "mask2former_swin_t", {
  options: OPTIONS,
  summary: "Mask2Former (Cheng et al. 2022), Swin-T, COCO panoptic config: deformable-attention pixel decoder, masked-attention decoder of 100 queries, point-sampled losses, the authors' head keys",
  build: (o, where) => mask2Former(o, where, { type: "swin_t", dropPathRate: 0.3 }),
});

