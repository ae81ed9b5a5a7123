// DeepLabV3+ head (Chen et al. 2018): depthwise-separable ASPP on the last features, upsampled to the
// low-level (stride 4) features reduced to 48 channels, concatenated, two separable 3×3 convs, classifier.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ASPP } from "./aspp.js";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { SeparableConv } from "../blocks/separable-conv.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface DeepLabV3PlusHeadOptions extends HeadOptions {
  /** Channels of the low-level and the last feature maps. */
  inChannels: [number, number];
  channels?: number;
  lowChannels?: number;
  /** 6/12/18 at output stride 16, 12/24/36 at 8. */
  rates?: number[];
}

export class DeepLabV3PlusHead extends DecodeHead {
  readonly aspp: ASPP;
  readonly c1_bottleneck: ConvNormAct;
  readonly sep_bottleneck: nn.Sequential;

  constructor(options: DeepLabV3PlusHeadOptions) {
    super(options, [0, -1]);
    const [low, high] = options.inChannels;
    const channels = options.channels ?? 256;
    const lowChannels = options.lowChannels ?? 48;
    this.aspp = this.registerModule("aspp", new ASPP(high, { rates: options.rates ?? [12, 24, 36], outChannels: channels, separable: true }));
    this.c1_bottleneck = this.registerModule("c1_bottleneck", new ConvNormAct(low, lowChannels, 1));
    this.sep_bottleneck = this.registerModule("sep_bottleneck", new nn.Sequential(
      new SeparableConv(channels + lowChannels, channels, 3), new SeparableConv(channels, channels, 3)));
    this.addClassifier(channels);
  }

  forward(features: Tensor[]): Tensor {
    const [low, high] = this.inputs(features);
    const context = resize(this.aspp.call(high), spatial(low));
    return this.classify(this.sep_bottleneck.call(torch.cat([this.c1_bottleneck.call(low), context], 1)));
  }
}

register<DecodeHead>("head", "deeplabv3plus", { options: [...HEAD_CONFIG_OPTIONS, "rates", "lowChannels"], summary: "separable ASPP + low-level decoder (DeepLabV3+)", build: (o) => new DeepLabV3PlusHead(o as never) });
