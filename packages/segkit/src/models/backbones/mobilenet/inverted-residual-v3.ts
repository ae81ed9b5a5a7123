// MobileNetV3's block in torchvision's layout: `block` = [expand 1×1]? → depthwise → [SE]? → project 1×1,
// with a residual when the shape is kept.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { SqueezeExcitation } from "../../blocks/squeeze-excitation.js";
import { makeDivisible } from "./make-divisible.js";

export interface V3BlockSpec {
  inChannels: number;
  kernel: number;
  expanded: number;
  out: number;
  /** Squeeze-and-excitation after the depthwise conv. */
  se: boolean;
  /** Hardswish (else ReLU). */
  hs: boolean;
  stride: number;
  dilation: number;
}

export class InvertedResidualV3 extends nn.Module {
  readonly block: nn.Sequential;
  readonly residual: boolean;

  constructor({ inChannels, kernel, expanded, out, se, hs, stride, dilation }: V3BlockSpec) {
    super();
    const bn = { eps: 1e-3, momentum: 0.01, act: hs ? "hardswish" as const : "relu" as const };
    this.residual = stride === 1 && inChannels === out;
    this.block = this.registerModule("block", new nn.Sequential());
    if (expanded !== inChannels) this.block.append(new ConvNormAct(inChannels, expanded, 1, bn));
    // A dilated block keeps its resolution: the dilation replaces the stride.
    this.block.append(new ConvNormAct(expanded, expanded, kernel, { ...bn, stride: dilation > 1 ? 1 : stride, dilation, groups: expanded }));
    if (se) this.block.append(new SqueezeExcitation(expanded, makeDivisible(Math.floor(expanded / 4), 8)));
    this.block.append(new ConvNormAct(expanded, out, 1, { ...bn, act: null }));
  }

  forward(x: Tensor): Tensor {
    const y = this.block.call(x);
    return this.residual ? y.add_(x) : y;
  }
}
