// Pyramid pooling module (PSPNet): average-pool to each bin size, 1×1 conv-BN-ReLU, upsample back;
// returns the input followed by one map per scale, ready to concatenate.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "./conv-norm-act.js";
import { resize, spatial } from "./resize.js";

export class PyramidPooling extends nn.ModuleList<nn.Sequential> {
  /** `conv` makes each branch's 1×1 conv-BN-ReLU layers (torchvision's keys by default; mmcv's ConvModule is one layer). */
  constructor(inChannels: number, channels: number, readonly scales: number[] = [1, 2, 3, 6],
    conv: (inChannels: number, channels: number) => nn.Module[] = (i, c) => [...new ConvNormAct(i, c, 1)]) {
    super(scales.map((s) => new nn.Sequential(new nn.AdaptiveAvgPool2d(s), ...conv(inChannels, channels))));
  }

  /** [x, pooled at scale 1, pooled at scale 2, ...], all at x's size. */
  pyramid(x: Tensor): Tensor[] {
    return [x, ...[...this].map((branch) => resize(branch.call(x), spatial(x)))];
  }
}
