// DFANet's lightweight backbone parts (Li et al., "DFANet: Deep Feature Aggregation for Real-Time
// Semantic Segmentation", CVPR 2019; Table 1): stages of Xception blocks — three 3×3 depthwise-
// separable convs of c/4, c/4 and c channels plus a shortcut (1×1 conv-BN where the shape changes),
// the first block of a stage at stride 2 — and the "fc attention" module: global pooling, a 1000-way
// fully connected layer (ImageNet's classifier in the paper) and a 1×1 conv back to the stage's
// channels, whose output (N, C, 1, 1) multiplies the features channel-wise (Sec. 3.3).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { SeparableConv } from "../../blocks/separable-conv.js";

export class XceptionBlock extends nn.Module {
  readonly convs: nn.Sequential;
  readonly shortcut: ConvNormAct | null;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    const middle = outChannels / 4;
    this.convs = this.registerModule("convs", new nn.Sequential(
      new SeparableConv(inChannels, middle, 3, { stride }), new SeparableConv(middle, middle, 3), new SeparableConv(middle, outChannels, 3)));
    this.shortcut = inChannels === outChannels && stride === 1 ? null : this.registerModule("shortcut", new ConvNormAct(inChannels, outChannels, 1, { stride, act: null }));
  }

  forward(x: Tensor): Tensor {
    return this.convs.call(x).add(this.shortcut ? this.shortcut.call(x) : x);
  }
}

/** `repeats` Xception blocks to `outChannels`, the first at stride 2. */
export function xceptionStage(inChannels: number, outChannels: number, repeats: number): nn.Sequential {
  return new nn.Sequential(...Array.from({ length: repeats }, (_, i) => new XceptionBlock(i === 0 ? inChannels : outChannels, outChannels, i === 0 ? 2 : 1)));
}

export class FCAttention extends nn.Module {
  readonly fc: nn.Linear;
  readonly conv: nn.Conv2d;

  constructor(channels: number, fcFeatures = 1000) {
    super();
    this.fc = this.registerModule("fc", new nn.Linear(channels, fcFeatures));
    this.conv = this.registerModule("conv", new nn.Conv2d(fcFeatures, channels, 1));
  }

  forward(x: Tensor): Tensor {
    const [n] = x.shape;
    const vector = this.fc.call(x.mean([2, 3]));
    const weights = this.conv.call(vector.reshape([n, -1, 1, 1]));
    return x.mul(weights);
  }
}
