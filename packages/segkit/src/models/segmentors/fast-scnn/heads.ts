// Fast-SCNN's heads in mmsegmentation's layout: a stack of convs ("convs"), dropout 0.1 and the 1×1
// classifier ("conv_seg"). The decode head is DepthwiseSeparableFCNHead (two depthwise-separable
// convs), the auxiliary heads FCNHead with one 3×3 conv-BN-ReLU.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DecodeHead, type HeadOptions } from "../../heads/decode-head.js";
import { convModule, depthwiseSeparableConv } from "./blocks.js";

export class ConvStackHead extends DecodeHead {
  readonly convs: nn.Sequential;

  constructor(options: HeadOptions, convs: nn.Module[], channels: number) {
    super(options, -1);
    this.convs = this.registerModule("convs", new nn.Sequential(...convs));
    this.addClassifier(channels);
  }

  forward(features: Tensor[]): Tensor {
    return this.classify(this.convs.call(this.input(features)));
  }
}

export function separableHead(options: HeadOptions, inChannels: number, channels: number): ConvStackHead {
  return new ConvStackHead(options, [depthwiseSeparableConv(inChannels, channels), depthwiseSeparableConv(channels, channels)], channels);
}

export function auxiliaryHead(options: HeadOptions, inChannels: number, channels: number): ConvStackHead {
  return new ConvStackHead(options, [convModule(inChannels, channels, 3)], channels);
}
