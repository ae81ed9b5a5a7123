// UPerNet head (Xiao et al. 2018): pyramid pooling on the last level, an FPN over all levels with
// conv-BN-ReLU laterals, every level upsampled to the finest and concatenated, a 3×3 fusion conv.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { PyramidPooling } from "../blocks/pyramid-pooling.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface UPerHeadOptions extends HeadOptions {
  inChannels: number[];
  channels?: number;
  scales?: number[];
}

export class UPerHead extends DecodeHead {
  readonly psp_modules: PyramidPooling;
  readonly bottleneck: ConvNormAct;
  readonly lateral_convs: nn.ModuleList<ConvNormAct>;
  readonly fpn_convs: nn.ModuleList<ConvNormAct>;
  readonly fpn_bottleneck: ConvNormAct;
  readonly channels: number;

  constructor(options: UPerHeadOptions) {
    super(options, options.inChannels.map((_, i) => i));
    const channels = options.channels ?? 512;
    this.channels = channels;
    const scales = options.scales ?? [1, 2, 3, 6];
    const ins = options.inChannels;
    const last = ins[ins.length - 1];
    this.psp_modules = this.registerModule("psp_modules", new PyramidPooling(last, channels, scales));
    this.bottleneck = this.registerModule("bottleneck", new ConvNormAct(last + scales.length * channels, channels, 3));
    this.lateral_convs = this.registerModule("lateral_convs", new nn.ModuleList(ins.slice(0, -1).map((c) => new ConvNormAct(c, channels, 1))));
    this.fpn_convs = this.registerModule("fpn_convs", new nn.ModuleList(ins.slice(0, -1).map(() => new ConvNormAct(channels, channels, 3))));
    this.fpn_bottleneck = this.registerModule("fpn_bottleneck", new ConvNormAct(ins.length * channels, channels, 3));
    this.addClassifier(channels);
  }

  forward(features: Tensor[]): Tensor {
    return this.classify(this.decodeFeatures(features));
  }

  /** The fused features before the classifier (K-Net's kernels convolve them). */
  decodeFeatures(features: Tensor[]): Tensor {
    const inputs = this.inputs(features);
    const top = inputs[inputs.length - 1];
    const laterals = [...inputs.slice(0, -1).map((f, i) => this.lateral_convs.at(i).call(f)),
      this.bottleneck.call(torch.cat(this.psp_modules.pyramid(top), 1))];
    for (let i = laterals.length - 1; i > 0; i--) laterals[i - 1] = laterals[i - 1].add(resize(laterals[i], spatial(laterals[i - 1])));
    const size = spatial(laterals[0]);
    const outs = laterals.map((l, i) => (i < laterals.length - 1 ? resize(this.fpn_convs.at(i).call(l), size) : resize(l, size)));
    return this.fpn_bottleneck.call(torch.cat(outs, 1));
  }
}

register<DecodeHead>("head", "uper", { options: [...HEAD_CONFIG_OPTIONS, "scales"], summary: "UPerNet: PPM + FPN fusion", build: (o) => new UPerHead(o as never) });
