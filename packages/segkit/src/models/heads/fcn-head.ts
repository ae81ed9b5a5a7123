// FCN head as torchvision defines it: 3×3 conv to in/4 channels, BN, ReLU, dropout 0.1, 1×1 classifier
// (children "0".."4", the keys of torchvision's FCNHead). Also the default auxiliary head.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface FCNHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default inChannels / 4. */
  channels?: number;
}

export class FCNHead extends DecodeHead {
  readonly #layers: nn.Sequential;

  constructor(options: FCNHeadOptions) {
    super(options, -1);
    const inter = options.channels ?? Math.floor(options.inChannels / 4);
    this.#layers = new nn.Sequential(
      new nn.Conv2d(options.inChannels, inter, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(inter), new nn.ReLU(),
      new nn.Dropout(0.1), new nn.Conv2d(inter, this.numClasses, 1));
    for (const [name, m] of this.#layers.namedChildren()) this.registerModule(name, m);
  }

  forward(features: Tensor[]): Tensor {
    return this.#layers.call(this.input(features));
  }
}

register<DecodeHead>("head", "fcn", { options: HEAD_CONFIG_OPTIONS, summary: "FCN head (torchvision)", build: (o) => new FCNHead(o as never) });
