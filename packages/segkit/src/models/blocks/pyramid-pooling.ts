// Pyramid pooling module (PSPNet): average-pool to each bin size, 1×1 conv-BN-ReLU, upsample back;
// returns the input followed by one map per scale, ready to concatenate.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "./conv-norm-act.js";
import { resize, spatial } from "./resize.js";

export class PyramidPooling extends nn.ModuleList<nn.Sequential> {
  constructor(inChannels: number, channels: number, readonly scales: number[] = [1, 2, 3, 6]) {
    super(scales.map((s) => new nn.Sequential(new nn.AdaptiveAvgPool2d(s), ...new ConvNormAct(inChannels, channels, 1))));
  }

  /** [x, pooled at scale 1, pooled at scale 2, ...], all at x's size. */
  pyramid(x: Tensor): Tensor[] {
    return [x, ...[...this].map((branch) => resize(branch.call(x), spatial(x)))];
  }
}
