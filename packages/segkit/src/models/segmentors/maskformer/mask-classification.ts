// What every mask-classification model (MaskFormer, Mask2Former) shares once it has per-layer class
// and mask logits: the semantic maps forward returns, panoptic and instance inference from one set of
// predictions (inference.ts), and training on segments or on semantic labels through its set
// criterion. A subclass supplies predictions().
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Segmentor, trainOutput, type TrainOutput } from "../segmentor.js";
import { instanceInference, panopticInference, semanticInference, type InstancePrediction, type PanopticOptions, type PanopticPrediction } from "./inference.js";
import type { MaskTarget } from "./mask-matcher.js";
import type { MaskPredictions } from "./predictor.js";
import type { SetCriterion } from "./set-criterion.js";

export abstract class MaskClassificationSegmentor extends Segmentor {
  abstract readonly criterion: SetCriterion;

  /** Every decoder layer's class logits (layers, N, Q, K+1) and mask logits (layers, N, Q, h, w). */
  abstract predictions(x: Tensor): MaskPredictions;

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
    return torch.tidy(() => trainOutput(this.criterion.losses(this.predictions(x), targets)));
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
