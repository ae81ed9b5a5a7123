// One high-resolution module of HRNet (Wang et al., "Deep High-Resolution Representation Learning for
// Visual Recognition", TPAMI 2020): parallel branches of residual blocks, one per resolution, then
// the exchange unit that fuses them — every output branch sums all branches brought to its resolution
// (lower ones by 1×1 conv + BN and upsampling, higher ones by strided 3×3 conv + BN steps) and applies
// ReLU. Keys as mmsegmentation's HRModule (and timm's, HRNet's own): branches.<b>.<block>,
// fuse_layers.<i>.<j>.<0 conv | 1 BN> for upsampling, fuse_layers.<i>.<j>.<step>.<0 | 1> for
// downsampling; no module where i = j.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { resize, spatial } from "../../blocks/resize.js";
import { BasicBlock } from "../resnet/blocks.js";

/**
 * How a lower branch is brought up to a higher one's size: "bilinear" as mmsegmentation (bilinear by
 * the power of two, then bilinear to the exact size, which is only a no-op for sizes divisible by the
 * stride), "nearest" as timm's classification HRNet (nearest to the exact size) or "aligned" as the
 * authors' HRNet-OCR code by default (bilinear to the exact size with align_corners).
 */
export type FuseUpsample = "bilinear" | "nearest" | "aligned";
export const FUSE_UPSAMPLE: readonly FuseUpsample[] = ["bilinear", "nearest", "aligned"];

/** A residual stack of `count` BasicBlocks of `channels` (the transitions give every branch its width first). */
function basicBranch(channels: number, count: number): nn.Sequential {
  return new nn.Sequential(...Array.from({ length: count }, () => new BasicBlock(channels, channels, { stride: 1, dilation: 1, downsample: null })));
}

/** Branch j (higher resolution, finer) brought down to branch i: i − j strided 3×3 convs, ReLU between. */
function downPath(fromChannels: number, toChannels: number, steps: number): nn.Sequential {
  return new nn.Sequential(...Array.from({ length: steps }, (_, k) => k === steps - 1
    ? new ConvNormAct(fromChannels, toChannels, 3, { stride: 2, act: null })
    : new ConvNormAct(fromChannels, fromChannels, 3, { stride: 2 })));
}

export class HRModule extends nn.Module {
  readonly branches: nn.ModuleList<nn.Sequential>;
  readonly fuse_layers: nn.ModuleList<nn.ModuleDict<nn.Sequential>> | null;
  readonly #upsample: FuseUpsample;

  /** `channels` and `blocks` per branch, finest first. */
  constructor(channels: number[], blocks: number[], upsample: FuseUpsample) {
    super();
    this.#upsample = upsample;
    this.branches = this.registerModule("branches", new nn.ModuleList(channels.map((c, b) => basicBranch(c, blocks[b]))));
    const n = channels.length;
    this.fuse_layers = n === 1 ? null : this.registerModule("fuse_layers", new nn.ModuleList(channels.map((_, i) => new nn.ModuleDict(
      channels.flatMap((_, j): [string, nn.Sequential][] => j === i ? [] : [[String(j), j > i
        ? new ConvNormAct(channels[j], channels[i], 1, { act: null })
        : downPath(channels[j], channels[i], i - j)]])))));
  }

  forward(x: Tensor[]): Tensor[] {
    const xs = [...this.branches].map((branch, b) => branch.call(x[b]));
    if (!this.fuse_layers) return xs;
    return [...this.fuse_layers].map((paths, i) => {
      let y = xs[i];
      for (const [key, path] of paths) {
        const j = Number(key);
        y = y.add(j > i ? this.#up(path.call(xs[j]), 2 ** (j - i), spatial(xs[i])) : path.call(xs[j]));
      }
      return torch.relu(y);
    });
  }

  #up(x: Tensor, factor: number, size: number[]): Tensor {
    switch (this.#upsample) {
      case "nearest": return torch.upsampleNearest2d(x, size);
      case "aligned": return torch.upsampleBilinear2d(x, size, true);
      case "bilinear": return resize(resize(x, spatial(x).map((s) => s * factor)), size);
    }
  }
}
