// Depthwise-separable conv: depthwise k×k conv-BN-act then pointwise 1×1 conv-BN-act (children
// "depthwise" and "pointwise").
import { nn } from "@segkit/torch";
import { ConvNormAct, type ConvNormActOptions } from "./conv-norm-act.js";

export class SeparableConv extends nn.Sequential {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvNormActOptions = {}) {
    super();
    this.append(new ConvNormAct(inChannels, inChannels, kernelSize, { ...options, groups: inChannels }));
    this.append(new ConvNormAct(inChannels, outChannels, 1, { act: options.act }));
  }
}
