// Fast-SCNN's building blocks in mmsegmentation's layout (mmcv ConvModule keys "conv" / "bn"), all
// with mmsegmentation's BatchNorm momentum of 0.01.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct, type ConvBnActOptions } from "../../blocks/conv-bn-act.js";

export const MOMENTUM = 0.01;

/** conv-BN(-ReLU) with Fast-SCNN's momentum. */
export function convModule(inChannels: number, outChannels: number, kernelSize: number, options: ConvBnActOptions = {}): ConvBnAct {
  return new ConvBnAct(inChannels, outChannels, kernelSize, { momentum: MOMENTUM, ...options });
}

/** mmcv's DepthwiseSeparableConvModule as Fast-SCNN configures it: depthwise conv-BN without activation, pointwise conv-BN-ReLU. */
export class DepthwiseSeparableConv extends nn.Module {
  readonly depthwise_conv: ConvBnAct;
  readonly pointwise_conv: ConvBnAct;

  constructor(inChannels: number, outChannels: number, stride = 1) {
    super();
    this.depthwise_conv = this.registerModule("depthwise_conv", convModule(inChannels, inChannels, 3, { stride, groups: inChannels, act: null }));
    this.pointwise_conv = this.registerModule("pointwise_conv", convModule(inChannels, outChannels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.pointwise_conv.call(this.depthwise_conv.call(x));
  }
}

/** mmsegmentation's MobileNetV2 block: 1×1 expand (×6) conv-BN-ReLU, 3×3 depthwise conv-BN-ReLU, 1×1 conv-BN; residual when shapes allow. */
export class InvertedResidual extends nn.Module {
  readonly conv: nn.Sequential;
  readonly residual: boolean;

  constructor(inChannels: number, outChannels: number, stride: number, expandRatio = 6) {
    super();
    const hidden = Math.round(inChannels * expandRatio);
    this.conv = this.registerModule("conv", new nn.Sequential(
      convModule(inChannels, hidden, 1), convModule(hidden, hidden, 3, { stride, groups: hidden }), convModule(hidden, outChannels, 1, { act: null })));
    this.residual = stride === 1 && inChannels === outChannels;
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    return this.residual ? x.add(y) : y;
  }
}
