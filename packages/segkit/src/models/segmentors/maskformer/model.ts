// MaskFormer (Cheng et al. 2021, "Per-Pixel Classification is Not All You Need for Semantic
// Segmentation"): a backbone, a pixel decoder giving per-pixel embeddings, and a transformer decoder
// whose N queries each predict a class (or "no object") and a mask embedding; a mask is the dot
// product of its embedding with the per-pixel embeddings. Trained by matching queries to target
// segments (SetCriterion); one set of predictions gives semantic, panoptic and instance results
// (inference.ts). Keys are the authors' (backbone.*, sem_seg_head.pixel_decoder.*,
// sem_seg_head.predictor.*); the backbone's own keys are segkit's (torchvision's for ResNet).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import { Segmentor, type TrainOutput } from "../segmentor.js";
import { MaskFormerHead } from "./head.js";
import { instanceInference, panopticInference, semanticInference, type InstancePrediction, type PanopticOptions, type PanopticPrediction } from "./inference.js";
import type { MaskTarget } from "./mask-matcher.js";
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

export class MaskFormer extends Segmentor {
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

  /** Per-class maps (N, K, H, W) at the input's size (the authors' semantic inference); argmax gives the labels. */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const { logits, masks } = this.#finalPredictions(x);
      return semanticInference(logits, masks);
    });
  }

  /** Panoptic segments of each image at its size (the authors' panoptic inference), without gradients. */
  predictPanoptic(x: Tensor, options: PanopticOptions): PanopticPrediction[] {
    return torch.tidy(() => torch.noGrad(() => {
      const { logits, masks } = this.#finalPredictions(x);
      return Array.from({ length: x.shape[0] }, (_, b) => panopticInference(logits.select(0, b), masks.select(0, b), options));
    }));
  }

  /** The topK instances of each image (Mask2Former's instance inference); thingsOnly drops stuff classes. */
  predictInstances(x: Tensor, topK: number, thingsOnly: boolean[] | null = null): InstancePrediction[] {
    return torch.tidy(() => torch.noGrad(() => {
      const { logits, masks } = this.#finalPredictions(x);
      return Array.from({ length: x.shape[0] }, (_, b) => instanceInference(logits.select(0, b), masks.select(0, b), topK, thingsOnly));
    }));
  }

  // The last decoder layer's logits (N, Q, K+1) and mask logits upsampled (bilinear) to the input's size.
  #finalPredictions(x: Tensor): { logits: Tensor; masks: Tensor } {
    return torch.tidy(() => {
      const { logits, masks } = this.predictions(x);
      const last = logits.shape[0] - 1;
      return { logits: logits.select(0, last), masks: nn.functional.interpolate(masks.select(0, last), { size: x.shape.slice(2), mode: "bilinear", alignCorners: false }) };
    });
  }

  /** Training on segments: the weighted set-criterion parts and their sum. Masks are at the input's size. */
  forwardTrainSegments(x: Tensor, targets: MaskTarget[]): TrainOutput {
    return torch.tidy(() => {
      const parts = this.criterion.losses(this.predictions(x), targets);
      return { loss: Object.values(parts).reduce((sum, v) => sum.add(v)), parts };
    });
  }

  /** Semantic labels become one target per class present (the authors' semantic dataset mapper); ignored pixels are in no mask. */
  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    return torch.tidy(() => this.criterion.losses(this.predictions(x), classMasks(target, this.numClasses)));
  }
}

/** Per image of (N, H, W) labels: the classes present (below numClasses) and their masks. */
export function classMasks(labels: Tensor, numClasses: number): MaskTarget[] {
  return torch.tidy(() => Array.from({ length: labels.shape[0] }, (_, b) => {
    const image = labels.select(0, b);
    const present = torch._unique2(image.flatten())[0].toArray().filter((c) => c >= 0 && c < numClasses);
    const classes = torch.tensor(Int32Array.from(present), { dtype: "int64" });
    return { labels: classes, masks: image.unsqueeze(0).eq(classes.view([-1, 1, 1])).to("float32") };
  }));
}
