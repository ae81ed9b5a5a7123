// BiSeNetV1's two attention modules (Yu et al. 2018).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";

/** Attention refinement: 3×3 conv-BN-ReLU, reweighted per channel by a pooled 1×1 conv-BN-sigmoid. */
export class AttentionRefinement extends nn.Module {
  readonly conv: ConvNormAct;
  readonly attention: nn.Sequential;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new ConvNormAct(inChannels, outChannels, 3));
    this.attention = this.registerModule("attention", new nn.Sequential(
      new nn.AdaptiveAvgPool2d(1), ...new ConvNormAct(outChannels, outChannels, 1, { act: "sigmoid" })));
  }

  forward(x: Tensor): Tensor {
    const h = this.conv.call(x);
    return h.mul(this.attention.call(h));
  }
}

/** Feature fusion: concatenated spatial and context paths, 1×1 conv-BN-ReLU, plus itself reweighted by channel attention. */
export class FeatureFusion extends nn.Module {
  readonly conv: ConvNormAct;
  readonly attention: nn.Sequential;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new ConvNormAct(inChannels, outChannels, 1));
    this.attention = this.registerModule("attention", new nn.Sequential(
      new nn.AdaptiveAvgPool2d(1), ...new ConvNormAct(outChannels, outChannels, 1, { act: "sigmoid" })));
  }

  forward(spatialPath: Tensor, contextPath: Tensor): Tensor {
    const h = this.conv.call(torch.cat([spatialPath, contextPath], 1));
    return h.add(h.mul(this.attention.call(h)));
  }
}
