// Conv → GroupNorm → ReLU with named children "conv", "gn" (and "activate"): mmcv's ConvModule with a
// GN norm_cfg (mmsegmentation's SegNeXt head), whose checkpoints use these keys. Without a norm the
// conv has a bias and the module holds "conv" alone (ConvModule's norm_cfg None, bias "auto").
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface ConvGnActOptions {
  /** GroupNorm's groups (32 in mmseg's configs); null for no norm. */
  numGroups: number | null;
  /** A ReLU after the norm. */
  relu: boolean;
}

export class ConvGnAct extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly gn: nn.GroupNorm | null;
  readonly activate: nn.ReLU | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { numGroups, relu }: ConvGnActOptions) {
    super();
    this.conv = this.registerModule("conv", new nn.Conv2d(inChannels, outChannels, kernelSize, { padding: kernelSize >> 1, bias: numGroups === null }));
    this.gn = numGroups === null ? null : this.registerModule("gn", new nn.GroupNorm(numGroups, outChannels));
    this.activate = relu ? this.registerModule("activate", new nn.ReLU({ inplace: true })) : null;
  }

  forward(x: Tensor): Tensor {
    const y = this.gn ? this.gn.call(this.conv.call(x)) : this.conv.call(x);
    return this.activate ? this.activate.call(y) : y;
  }
}
