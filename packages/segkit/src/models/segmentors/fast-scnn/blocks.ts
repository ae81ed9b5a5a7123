// Fast-SCNN's building blocks in mmsegmentation's layout (mmcv ConvModule keys "conv" / "bn"), all
// with mmsegmentation's BatchNorm momentum of 0.01.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct, type ConvBnActOptions } from "../../blocks/conv-bn-act.js";
import { DepthwiseSeparableConvModule } from "../../blocks/depthwise-separable-conv-module.js";

export const MOMENTUM = 0.01;

/** conv-BN(-ReLU) with Fast-SCNN's momentum. */
export function convModule(inChannels: number, outChannels: number, kernelSize: number, options: ConvBnActOptions = {}): ConvBnAct {
  return new ConvBnAct(inChannels, outChannels, kernelSize, { momentum: MOMENTUM, ...options });
}

/** mmcv's DepthwiseSeparableConvModule as Fast-SCNN configures it: depthwise 3×3 conv-BN without activation, pointwise conv-BN-ReLU. */
export function depthwiseSeparableConv(inChannels: number, outChannels: number, stride = 1): DepthwiseSeparableConvModule {
  return new DepthwiseSeparableConvModule(inChannels, outChannels, 3, { stride, depthwiseAct: null, momentum: MOMENTUM });
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
