// mmsegmentation's FCNHead in its checkpoints' layout (mmseg/models/decode_heads/fcn_head.py): a
// stack of numConvs conv-BN-ReLU ("convs", mmcv ConvModule keys), with concatInput the input and
// their output concatenated and fused by "conv_cat", then dropout and "conv_seg". Its fcn_*-d8
// decode heads use 2 convs and the concatenation; the "fcn" head is torchvision's (mmseg's with one
// conv and no concatenation, the auxiliary head its configs use).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface MmsegFCNHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** Default 2 (at least 1). */
  numConvs?: number;
  /** Default true. */
  concatInput?: boolean;
  kernelSize?: number;
  dilation?: number;
}

export class MmsegFCNHead extends DecodeHead {
  readonly convs: nn.Sequential;
  readonly conv_cat: ConvBnAct | null;

  constructor(options: MmsegFCNHeadOptions) {
    super(options, -1);
    const { inChannels, channels = 512, numConvs = 2, concatInput = true, kernelSize = 3, dilation = 1 } = options;
    if (!(Number.isInteger(numConvs) && numConvs >= 1)) throw new RangeError(`MmsegFCNHead: numConvs must be an integer ≥ 1, got ${numConvs}`);
    this.convs = this.registerModule("convs", new nn.Sequential(
      ...Array.from({ length: numConvs }, (_, i) => new ConvBnAct(i === 0 ? inChannels : channels, channels, kernelSize, { dilation }))));
    this.conv_cat = concatInput ? this.registerModule("conv_cat", new ConvBnAct(inChannels + channels, channels, kernelSize)) : null;
    this.addClassifier(channels);
  }

  forward(features: Tensor[]): Tensor {
    const x = this.input(features);
    const y = this.convs.call(x);
    return this.classify(this.conv_cat ? this.conv_cat.call(torch.cat([x, y], 1)) : y);
  }
}

register<DecodeHead>("head", "mmseg_fcn", {
  options: [...HEAD_CONFIG_OPTIONS, "numConvs", "concatInput", "kernelSize", "dilation"],
  summary: "mmsegmentation's FCNHead (numConvs, concatInput; its checkpoints' layout)", build: (o) => new MmsegFCNHead(o as never),
});
