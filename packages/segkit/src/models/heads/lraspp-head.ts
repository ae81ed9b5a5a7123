// Lite R-ASPP (MobileNetV3 paper) as torchvision's LRASPPHead: the high-level features through a
// 1×1 conv-BN-ReLU ("cbr") gated by a pooled sigmoid attention ("scale"), upsampled to the low-level
// features, and a classifier on each added.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface LRASPPHeadOptions extends HeadOptions {
  /** Channels of the low (stride 8) and high (last) feature maps. */
  inChannels: [number, number];
  channels?: number;
}

export class LRASPPHead extends DecodeHead {
  readonly cbr: ConvNormAct;
  readonly scale: nn.Sequential;
  readonly low_classifier: nn.Conv2d;
  readonly high_classifier: nn.Conv2d;

  constructor(options: LRASPPHeadOptions) {
    super(options, [0, 1]);
    const [low, high] = options.inChannels;
    const inter = options.channels ?? 128;
    this.cbr = this.registerModule("cbr", new ConvNormAct(high, inter, 1));
    this.scale = this.registerModule("scale", new nn.Sequential(
      new nn.AdaptiveAvgPool2d(1), new nn.Conv2d(high, inter, 1, { bias: false }), new nn.Sigmoid()));
    this.low_classifier = this.registerModule("low_classifier", new nn.Conv2d(low, this.numClasses, 1));
    this.high_classifier = this.registerModule("high_classifier", new nn.Conv2d(inter, this.numClasses, 1));
  }

  forward(features: Tensor[]): Tensor {
    const [low, high] = this.inputs(features);
    const gated = resize(this.cbr.call(high).mul(this.scale.call(high)), spatial(low));
    return this.low_classifier.call(low).add(this.high_classifier.call(gated));
  }
}

register<DecodeHead>("head", "lraspp", { options: HEAD_CONFIG_OPTIONS, summary: "Lite R-ASPP (torchvision)", build: (o) => new LRASPPHead(o as never) });
