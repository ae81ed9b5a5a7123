// Deep aggregation pyramid pooling (DDRNet's DAPPM) and what it shares with PIDNet's parallel
// variant (PAPPM): average pools of kernel 5/9/17 (strides 2/4/8) and a global pool beside the
// unpooled input, each BN-ReLU-1×1 conv; a compression over the concatenated scales plus a 1×1
// shortcut. DAPPM refines each scale in turn with the previous one; PAPPM refines all at once.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";

/** BN-ReLU-conv (pre-activation), optionally after a pooling layer; keys as the authors' Sequentials. */
export function preActConv(inChannels: number, outChannels: number, kernel: 1 | 3, { pool, groups = 1 }: { pool?: nn.Module; groups?: number } = {}): nn.Sequential {
  const layers = [new nn.BatchNorm2d(inChannels), new nn.ReLU(), new nn.Conv2d(inChannels, outChannels, kernel, { padding: kernel >> 1, groups, bias: false })];
  return new nn.Sequential(...(pool ? [pool, ...layers] : layers));
}

export abstract class PyramidPooling extends nn.Module {
  readonly scale0: nn.Sequential;
  readonly scale1: nn.Sequential;
  readonly scale2: nn.Sequential;
  readonly scale3: nn.Sequential;
  readonly scale4: nn.Sequential;
  readonly compression: nn.Sequential;
  readonly shortcut: nn.Sequential;

  constructor(inChannels: number, branchChannels: number, outChannels: number) {
    super();
    const pooled = (pool: nn.Module): nn.Sequential => preActConv(inChannels, branchChannels, 1, { pool });
    const avg = (kernel: number, stride: number): nn.AvgPool2d => new nn.AvgPool2d(kernel, { stride, padding: kernel >> 1 });
    this.scale0 = this.registerModule("scale0", preActConv(inChannels, branchChannels, 1));
    this.scale1 = this.registerModule("scale1", pooled(avg(5, 2)));
    this.scale2 = this.registerModule("scale2", pooled(avg(9, 4)));
    this.scale3 = this.registerModule("scale3", pooled(avg(17, 8)));
    this.scale4 = this.registerModule("scale4", pooled(new nn.AdaptiveAvgPool2d(1)));
    this.compression = this.registerModule("compression", preActConv(5 * branchChannels, outChannels, 1));
    this.shortcut = this.registerModule("shortcut", preActConv(inChannels, outChannels, 1));
  }

  /** The five scale features from the unpooled one and the four pooled ones (upsampled to x's size). */
  protected abstract mix(unpooled: Tensor, pooled: Tensor[]): Tensor[];

  forward(x: Tensor): Tensor {
    const size = spatial(x);
    const pooled = [this.scale1, this.scale2, this.scale3, this.scale4].map((scale) => resize(scale.call(x), size));
    const scales = this.mix(this.scale0.call(x), pooled);
    return this.compression.call(torch.cat(scales, 1)).add_(this.shortcut.call(x));
  }
}

/** DAPPM: scale i is refined by a 3×3 pre-activation conv after adding scale i − 1. */
export class DAPPM extends PyramidPooling {
  readonly process1: nn.Sequential;
  readonly process2: nn.Sequential;
  readonly process3: nn.Sequential;
  readonly process4: nn.Sequential;

  constructor(inChannels: number, branchChannels: number, outChannels: number) {
    super(inChannels, branchChannels, outChannels);
    const refine = (): nn.Sequential => preActConv(branchChannels, branchChannels, 3);
    this.process1 = this.registerModule("process1", refine());
    this.process2 = this.registerModule("process2", refine());
    this.process3 = this.registerModule("process3", refine());
    this.process4 = this.registerModule("process4", refine());
  }

  protected mix(unpooled: Tensor, pooled: Tensor[]): Tensor[] {
    const scales = [unpooled];
    [this.process1, this.process2, this.process3, this.process4].forEach((refine, i) =>
      scales.push(refine.call(pooled[i].add(scales[i]))));
    return scales;
  }
}
