// mmcv's DepthwiseSeparableConvModule: a depthwise k×k conv-BN(-activation) then a pointwise 1×1
// conv-BN-ReLU, children "depthwise_conv" and "pointwise_conv" in ConvModule's key layout.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "./conv-bn-act.js";
import type { Activation } from "./conv-norm-act.js";

export interface DepthwiseSeparableOptions {
  stride?: number;
  dilation?: number;
  /** The depthwise part's activation: "relu" (mmcv's default) or null (Fast-SCNN's). */
  depthwiseAct?: Activation;
  momentum?: number;
}

export class DepthwiseSeparableConvModule extends nn.Module {
  readonly depthwise_conv: ConvBnAct;
  readonly pointwise_conv: ConvBnAct;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { stride, dilation, depthwiseAct = "relu", momentum }: DepthwiseSeparableOptions = {}) {
    super();
    this.depthwise_conv = this.registerModule("depthwise_conv",
      new ConvBnAct(inChannels, inChannels, kernelSize, { stride, dilation, groups: inChannels, act: depthwiseAct, momentum }));
    this.pointwise_conv = this.registerModule("pointwise_conv", new ConvBnAct(inChannels, outChannels, 1, { momentum }));
  }

  forward(x: Tensor): Tensor {
    return this.pointwise_conv.call(this.depthwise_conv.call(x));
  }
}
