// detectron2's Conv2d as MaskFormer's pixel decoder uses it: a convolution that holds its norm as a
// child ("norm", GroupNorm of 32 groups in the authors' configs) and may end in a ReLU, so that its
// state keys are the conv's own (weight, bias) plus norm.weight and norm.bias.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface NormedConvOptions {
  /** GroupNorm groups; null for no norm (the conv then has a bias, as detectron2's norm "" gives). */
  groups: number | null;
  relu: boolean;
}

export class NormedConv2d extends nn.Conv2d {
  readonly norm: nn.GroupNorm | null;
  readonly relu: boolean;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { groups, relu }: NormedConvOptions) {
    super(inChannels, outChannels, kernelSize, { padding: kernelSize >> 1, bias: groups === null });
    this.norm = groups === null ? null : this.registerModule("norm", new nn.GroupNorm(groups, outChannels));
    this.relu = relu;
  }

  override forward(x: Tensor): Tensor {
    const y = super.forward(x);
    const normed = this.norm ? this.norm.call(y) : y;
    return this.relu ? torch.relu(normed) : normed;
  }
}
