// PSPNet head (Zhao et al. 2017): pyramid pooling over bins 1/2/3/6, concatenated with the input,
// a 3×3 conv-BN-ReLU bottleneck, then dropout and the classifier.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { PyramidPooling } from "../blocks/pyramid-pooling.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface PSPHeadOptions extends HeadOptions {
  inChannels: number;
  channels?: number;
  scales?: number[];
}

export class PSPHead extends DecodeHead {
  readonly psp_modules: PyramidPooling;
  readonly bottleneck: ConvNormAct;

  constructor(options: PSPHeadOptions) {
    super(options, -1);
    const channels = options.channels ?? 512;
    const scales = options.scales ?? [1, 2, 3, 6];
    this.psp_modules = this.registerModule("psp_modules", new PyramidPooling(options.inChannels, channels, scales));
    this.bottleneck = this.registerModule("bottleneck", new ConvNormAct(options.inChannels + scales.length * channels, channels, 3));
    this.addClassifier(channels);
  }

  forward(features: Tensor[]): Tensor {
    return this.classify(this.bottleneck.call(torch.cat(this.psp_modules.pyramid(this.input(features)), 1)));
  }
}

register<DecodeHead>("head", "psp", { options: [...HEAD_CONFIG_OPTIONS, "scales"], summary: "pyramid pooling 1/2/3/6 (PSPNet)", build: (o) => new PSPHead(o as never) });
