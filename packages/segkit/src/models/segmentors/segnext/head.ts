// SegNeXt's decode head (Guo et al. 2022, §3.2; mmsegmentation's LightHamHead): the features of stages
// 2–4 (strides 8, 16, 32) are resized to stride 8 and concatenated, squeezed by a 1×1 conv-GN-ReLU,
// passed through the Hamburger (1×1 conv, ReLU, NMF, 1×1 conv-GN, added to its input, ReLU), aligned
// by a 1×1 conv-GN-ReLU and classified (dropout, 1×1 conv). Keys as mmseg's ham_head.py: "squeeze",
// "hamburger.{ham_in, ham, ham_out}", "align", "conv_seg" (mmcv ConvModule: "conv", "gn").
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { ConvGnAct } from "../../blocks/conv-gn-act.js";
import { resize, spatial } from "../../blocks/resize.js";
import { DecodeHead, type HeadOptions } from "../../heads/decode-head.js";
import { NMF2D, type NMFOptions } from "./nmf.js";

class Hamburger extends nn.Module {
  readonly ham_in: ConvGnAct;
  readonly ham: NMF2D;
  readonly ham_out: ConvGnAct;

  constructor(channels: number, numGroups: number, nmf: NMFOptions) {
    super();
    this.ham_in = this.registerModule("ham_in", new ConvGnAct(channels, channels, 1, { numGroups: null, relu: false }));
    this.ham = this.registerModule("ham", new NMF2D(channels, nmf));
    this.ham_out = this.registerModule("ham_out", new ConvGnAct(channels, channels, 1, { numGroups, relu: false }));
  }

  forward(x: Tensor): Tensor {
    const context = this.ham_out.call(this.ham.call(this.ham_in.call(x).relu()));
    return x.add(context).relu();
  }
}

export interface LightHamHeadOptions extends HeadOptions {
  /** Channels of the features read (stages 2–4 by default). */
  inChannels: number[];
  /** Width of the Hamburger (ham_channels) and of the aligned features before the classifier (channels); equal in every config. */
  hamChannels: number;
  channels: number;
  /** GroupNorm groups of the head's norms (32). */
  numGroups?: number;
  /** The NMF's settings (mmseg's ham_kwargs). */
  nmf?: NMFOptions;
  dropoutRatio?: number;
}

export class LightHamHead extends DecodeHead {
  readonly squeeze: ConvGnAct;
  readonly hamburger: Hamburger;
  readonly align: ConvGnAct;

  constructor({ inChannels, hamChannels, channels, numGroups = 32, nmf = {}, dropoutRatio = 0.1, ...options }: LightHamHeadOptions) {
    super(options, [1, 2, 3]);
    checkWidth("LightHamHead", "hamChannels", hamChannels, { multipleOf: numGroups });
    checkWidth("LightHamHead", "channels", channels, { multipleOf: numGroups });
    const total = inChannels.reduce((a, b) => a + b, 0);
    this.squeeze = this.registerModule("squeeze", new ConvGnAct(total, hamChannels, 1, { numGroups, relu: true }));
    this.hamburger = this.registerModule("hamburger", new Hamburger(hamChannels, numGroups, nmf));
    this.align = this.registerModule("align", new ConvGnAct(hamChannels, channels, 1, { numGroups, relu: true }));
    this.addClassifier(channels, dropoutRatio);
  }

  forward(features: Tensor[]): Tensor {
    const inputs = this.inputs(features);
    const size = spatial(inputs[0]);
    const squeezed = this.squeeze.call(torch.cat(inputs.map((f) => resize(f, size)), 1));
    return this.classify(this.align.call(this.hamburger.call(squeezed)));
  }
}
