// MaskFormer (Cheng et al. 2021, "Per-Pixel Classification is Not All You Need for Semantic
// Segmentation"): a backbone, a pixel decoder giving per-pixel embeddings, and a transformer decoder
// whose N queries each predict a class (or "no object") and a mask embedding; a mask is the dot
// product of its embedding with the per-pixel embeddings. Trained by matching queries to target
// segments (SetCriterion); one set of predictions gives semantic, panoptic and instance results
// (inference.ts). Keys are the authors' (backbone.*, sem_seg_head.pixel_decoder.*,
// sem_seg_head.predictor.*); the backbone's own keys are segkit's (torchvision's for ResNet).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import { MaskFormerHead } from "./head.js";
import { classMasks, MaskClassificationSegmentor } from "./mask-classification.js";
import type { PixelDecoderOptions } from "./pixel-decoder.js";
import type { MaskPredictions, PredictorOptions } from "./predictor.js";
import { SetCriterion, type SetCriterionOptions } from "./set-criterion.js";

export interface MaskFormerOptions {
  backbone: Backbone;
  numClasses: number;
  ignoreIndex?: number;
  pixelDecoder: Omit<PixelDecoderOptions, "inChannels">;
  predictor: Omit<PredictorOptions, "inChannels" | "maskDim" | "numClasses">;
  criterion?: Omit<SetCriterionOptions, "numClasses">;
}

export class MaskFormer extends MaskClassificationSegmentor {
  readonly backbone: Backbone;
  readonly semSegHead: MaskFormerHead;
  readonly criterion: SetCriterion;

  constructor({ backbone, numClasses, ignoreIndex, pixelDecoder, predictor, criterion = {} }: MaskFormerOptions) {
    super({ numClasses, ignoreIndex, divisor: Math.max(...backbone.strides) });
    this.backbone = this.registerModule("backbone", backbone);
    this.semSegHead = this.registerModule("sem_seg_head", new MaskFormerHead({ ...pixelDecoder, inChannels: backbone.outChannels }, { ...predictor, numClasses }));
    this.criterion = new SetCriterion({ numClasses, ...criterion });
  }

  /** Every decoder layer's class and mask logits, masks at the finest backbone stride. */
  predictions(x: Tensor): MaskPredictions {
    this.checkImage(x);
    return torch.tidy(() => this.semSegHead.call(this.backbone.call(x)));
  }
}

export { classMasks };
