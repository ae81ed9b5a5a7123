// STDC-Seg's fusion and output heads, in the authors' layout (their FeatureFusionModule and
// BiSeNetOutput).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../../blocks/conv-bn-act.js";

/**
 * Feature fusion: the concatenated stride-8 features and context through a 1×1 conv-BN-ReLU, plus
 * itself scaled by channel attention (pooled, 1×1 conv to a quarter, ReLU, 1×1 conv, sigmoid).
 */
export class FeatureFusion extends nn.Module {
  readonly convblk: ConvBnAct;
  readonly conv1: nn.Conv2d;
  readonly conv2: nn.Conv2d;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.convblk = this.registerModule("convblk", new ConvBnAct(inChannels, outChannels, 1));
    this.conv1 = this.registerModule("conv1", new nn.Conv2d(outChannels, outChannels >> 2, 1, { bias: false }));
    this.conv2 = this.registerModule("conv2", new nn.Conv2d(outChannels >> 2, outChannels, 1, { bias: false }));
  }

  forward(spatialFeatures: Tensor, context: Tensor): Tensor {
    const features = this.convblk.call(torch.cat([spatialFeatures, context], 1));
    const attention = torch.sigmoid(this.conv2.call(torch.relu(this.conv1.call(features.mean([2, 3], true)))));
    return features.mul(attention).add(features);
  }
}

/** 3×3 conv-BN-ReLU then a 1×1 conv without bias to the outputs (classes, or 1 for detail). */
export class OutputHead extends nn.Module {
  readonly conv: ConvBnAct;
  readonly conv_out: nn.Conv2d;

  constructor(inChannels: number, channels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new ConvBnAct(inChannels, channels, 3));
    this.conv_out = this.registerModule("conv_out", new nn.Conv2d(channels, outChannels, 1, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    return this.conv_out.call(this.conv.call(x));
  }
}
