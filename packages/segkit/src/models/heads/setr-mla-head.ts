// SETR's multi-level aggregation head (mmsegmentation's SETRMLAHead, its key names): each input through
// two 3×3 conv-BN-ReLU of mlaChannels and ×upScale bilinear ("up_convs.i.0", ".1"), concatenated, then
// the classifier.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import * as torch from "@segkit/torch";
import { register } from "../../config/registry.js";
import { checkWidth } from "../blocks/check-width.js";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, HEAD_CONFIG_OPTIONS, type HeadOptions } from "./decode-head.js";

export interface SETRMLAHeadOptions extends HeadOptions {
  inChannels: number[];
  mlaChannels?: number;
  upScale?: number;
  dropoutRatio?: number;
}

class MLABranch extends nn.Module {
  readonly #convs: ConvBnAct[];

  constructor(inChannels: number, channels: number, readonly scale: number) {
    super();
    this.#convs = [this.registerModule("0", new ConvBnAct(inChannels, channels, 3)), this.registerModule("1", new ConvBnAct(channels, channels, 3))];
  }

  forward(x: Tensor): Tensor {
    const y = this.#convs[1].call(this.#convs[0].call(x));
    return resize(y, spatial(y).map((s) => s * this.scale));
  }
}

export class SETRMLAHead extends DecodeHead {
  readonly up_convs: nn.ModuleList<MLABranch>;

  constructor({ inChannels, mlaChannels = 128, upScale = 4, dropoutRatio = 0, ...options }: SETRMLAHeadOptions) {
    super(options, [0, 1, 2, 3]);
    checkWidth("SETRMLAHead", "inChannels", inChannels);
    checkWidth("SETRMLAHead", "mlaChannels", mlaChannels);
    const count = Array.isArray(this.inIndex) ? this.inIndex.length : 1;
    if (!Array.isArray(inChannels) || inChannels.length !== count) {
      throw new RangeError(`SETRMLAHead: inChannels must list one width per input (${count}), got ${JSON.stringify(inChannels)}`);
    }
    this.up_convs = this.registerModule("up_convs", new nn.ModuleList(inChannels.map((c) => new MLABranch(c, mlaChannels, upScale))));
    this.addClassifier(inChannels.length * mlaChannels, dropoutRatio);
  }

  forward(features: Tensor[]): Tensor {
    const branches = [...this.up_convs];
    return this.classify(torch.cat(this.inputs(features).map((x, i) => branches[i].call(x)), 1));
  }
}

register<DecodeHead>("head", "setr_mla", {
  options: [...HEAD_CONFIG_OPTIONS, "mlaChannels", "upScale", "dropoutRatio"],
  summary: "SETR multi-level aggregation head (mmsegmentation's SETRMLAHead keys)",
  build: (o) => new SETRMLAHead(o as never),
});
