// backbone → neck? → decode head (+ auxiliary heads), mmsegmentation's EncoderDecoder. The children
// are named as torchvision's segmentation models name them ("backbone", "classifier",
// "aux_classifier") so their weights load as they are; a neck is "neck".
import type { Tensor } from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import type { DecodeHead } from "../../heads/decode-head.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor } from "../segmentor.js";

export interface Neck extends nn.Module {
  forward(features: Tensor[]): Tensor[];
}

export interface EncoderDecoderParts {
  backbone: Backbone;
  neck?: Neck;
  head: DecodeHead;
  /** Extra heads trained alongside (each with its own lossWeight); unused at inference. */
  auxiliary?: DecodeHead[];
  divisor?: number;
}

export class EncoderDecoder extends Segmentor {
  readonly backbone: Backbone;
  readonly neck: Neck | null;
  readonly classifier: DecodeHead;
  readonly auxiliary: DecodeHead[];

  constructor({ backbone, neck, head, auxiliary = [], divisor = 1 }: EncoderDecoderParts) {
    super({ numClasses: head.numClasses, divisor, ignoreIndex: head.ignoreIndex });
    this.backbone = this.registerModule("backbone", backbone);
    this.neck = neck ? this.registerModule("neck", neck) : null;
    this.classifier = this.registerModule("classifier", head);
    if (auxiliary.length === 1) this.registerModule("aux_classifier", auxiliary[0]);
    else auxiliary.forEach((h, i) => this.registerModule(`aux_classifier${i}`, h));
    this.auxiliary = auxiliary;
  }

  features(x: Tensor): Tensor[] {
    const features = this.backbone.call(x);
    return this.neck ? this.neck.call(features) : features;
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.classifier.call(this.features(x)), spatial(x));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const features = this.features(x);
    const parts: Record<string, Tensor> = {};
    for (const head of [this.classifier, ...this.auxiliary]) Object.assign(parts, head.trainLoss(features, target));
    return parts;
  }
}
