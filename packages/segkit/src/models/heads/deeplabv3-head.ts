// DeepLabV3 head as torchvision's DeepLabHead: ASPP → 3×3 conv-BN-ReLU → 1×1 classifier (children
// "0".."4"). torchvision's rates are 12/24/36 (its backbones run at output stride 8); the paper's
// 6/12/18 are for output stride 16.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ASPP } from "./aspp.js";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface DeepLabV3HeadOptions extends HeadOptions {
  inChannels: number;
  rates?: number[];
  channels?: number;
}

export class DeepLabV3Head extends DecodeHead {
  readonly #layers: nn.Sequential;

  constructor(options: DeepLabV3HeadOptions) {
    super(options, -1);
    const channels = options.channels ?? 256;
    this.#layers = new nn.Sequential(
      new ASPP(options.inChannels, { rates: options.rates ?? [12, 24, 36], outChannels: channels }),
      ...new ConvNormAct(channels, channels, 3),
      new nn.Conv2d(channels, this.numClasses, 1));
    for (const [name, m] of this.#layers.namedChildren()) this.registerModule(name, m);
  }

  forward(features: Tensor[]): Tensor {
    return this.#layers.call(this.input(features));
  }
}

register<DecodeHead>("head", "deeplabv3", { options: [...HEAD_CONFIG_OPTIONS, "rates"], summary: "ASPP + 3×3 conv (torchvision DeepLabHead)", build: (o) => new DeepLabV3Head(o as never) });
