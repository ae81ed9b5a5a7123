// Mask2Former (Cheng et al. 2022, "Masked-attention Mask Transformer for Universal Image
// Segmentation"): a backbone, a multi-scale deformable-attention pixel decoder, and a transformer
// decoder whose queries attend only inside their previous layer's predicted masks; trained with
// point-sampled mask losses (criterion.ts). One set of predictions gives semantic, panoptic and
// instance results, as MaskFormer's (maskformer/mask-classification.ts). Keys are the authors'
// (backbone.*, sem_seg_head.pixel_decoder.*, sem_seg_head.predictor.*); the backbone's own keys are
// segkit's (torchvision's for ResNet).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import { MaskClassificationSegmentor } from "../maskformer/mask-classification.js";
import type { MaskPredictions } from "../maskformer/predictor.js";
import { PointSetCriterion, type PointCriterionOptions } from "./criterion.js";
import { Mask2FormerHead } from "./head.js";
import type { MSDeformPixelDecoderOptions } from "./pixel-decoder.js";
import type { MaskedDecoderOptions } from "./transformer-decoder.js";

export interface Mask2FormerOptions {
  backbone: Backbone;
  numClasses: number;
  ignoreIndex?: number;
  pixelDecoder: Omit<MSDeformPixelDecoderOptions, "inChannels">;
  predictor: Omit<MaskedDecoderOptions, "inChannels" | "maskDim" | "numClasses">;
  criterion?: Omit<PointCriterionOptions, "numClasses">;
}

export class Mask2Former extends MaskClassificationSegmentor {
  readonly backbone: Backbone;
  readonly semSegHead: Mask2FormerHead;
  readonly criterion: PointSetCriterion;

  constructor({ backbone, numClasses, ignoreIndex, pixelDecoder, predictor, criterion = {} }: Mask2FormerOptions) {
    super({ numClasses, ignoreIndex, divisor: Math.max(...backbone.strides) });
    this.backbone = this.registerModule("backbone", backbone);
    this.semSegHead = this.registerModule("sem_seg_head", new Mask2FormerHead({ ...pixelDecoder, inChannels: backbone.outChannels }, { ...predictor, numClasses }));
    this.criterion = new PointSetCriterion({ numClasses, ...criterion });
  }

  /** The initial queries' and every decoder layer's class and mask logits, masks at the finest backbone stride. */
  predictions(x: Tensor): MaskPredictions {
    this.checkImage(x);
    return torch.tidy(() => this.semSegHead.call(this.backbone.call(x)));
  }
}
