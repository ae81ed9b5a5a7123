// The residual U-block (RSU) of U²-Net, keys as the authors' model/u2net.py: "rebnconvin" maps the
// input to the block's width, a small U-Net of height L runs on it ("rebnconv1".."rebnconvL" down,
// "rebnconv{L-1}d".."rebnconv1d" up) and its output is added to rebnconvin's. RSU-L halves the map
// (2×2 max-pool, ceil mode) between its first L−1 levels and dilates only the bottom conv by 2;
// RSU-4F keeps the resolution and dilates level i by 2^(i−1) instead.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";

/** The authors' REBNCONV: a 3×3 conv (padding = dilation) → BatchNorm → ReLU. */
class REBNConv extends nn.Module {
  readonly conv_s1: nn.Conv2d;
  readonly bn_s1: nn.BatchNorm2d;

  constructor(inChannels: number, outChannels: number, dilation: number) {
    super();
    this.conv_s1 = this.registerModule("conv_s1", new nn.Conv2d(inChannels, outChannels, 3, { padding: dilation, dilation }));
    this.bn_s1 = this.registerModule("bn_s1", new nn.BatchNorm2d(outChannels));
  }

  forward(x: Tensor): Tensor {
    return torch.relu(this.bn_s1.call(this.conv_s1.call(x)));
  }
}

export interface RSUOptions {
  /** Levels of the inner U-Net: 7 for RSU-7 … 4 for RSU-4 and RSU-4F. */
  height: number;
  inChannels: number;
  midChannels: number;
  outChannels: number;
  /** RSU-4F: dilated convs at full resolution instead of pooling. */
  dilated: boolean;
}

export class RSU extends nn.Module {
  readonly #height: number;
  readonly #dilated: boolean;
  readonly #convIn: REBNConv;
  readonly #down: REBNConv[] = [];
  /** #up[i] is rebnconv{i+1}d. */
  readonly #up: REBNConv[] = [];

  constructor({ height, inChannels, midChannels, outChannels, dilated }: RSUOptions) {
    super();
    if (!(Number.isInteger(height) && height >= 2)) throw new RangeError(`RSU: height must be an integer ≥ 2, got ${height}`);
    this.#height = height;
    this.#dilated = dilated;
    // Dilation of level i (1-based): RSU-4F 2^(i−1) down and up; RSU-L 1 but 2 at the bottom.
    const dilationOf = (i: number) => (dilated ? 2 ** (i - 1) : i === height ? 2 : 1);
    this.#convIn = this.registerModule("rebnconvin", new REBNConv(inChannels, outChannels, 1));
    for (let i = 1; i <= height; i++) {
      this.#down.push(this.registerModule(`rebnconv${i}`, new REBNConv(i === 1 ? outChannels : midChannels, midChannels, dilationOf(i))));
    }
    // Registered from the bottom up, as the authors' constructor does.
    for (let i = height - 1; i >= 1; i--) {
      this.#up[i - 1] = this.registerModule(`rebnconv${i}d`, new REBNConv(2 * midChannels, i === 1 ? outChannels : midChannels, dilationOf(i)));
    }
  }

  forward(x: Tensor): Tensor {
    const input = this.#convIn.call(x);
    const levels: Tensor[] = [];
    let h = input;
    for (let i = 0; i < this.#height - 1; i++) {
      levels.push((h = this.#down[i].call(h)));
      if (!this.#dilated && i < this.#height - 2) h = torch.maxPool2d(h, [2, 2], [2, 2], [0, 0], [1, 1], true);
    }
    let up = this.#down[this.#height - 1].call(h);
    for (let i = this.#height - 2; i >= 0; i--) {
      up = this.#up[i].call(torch.cat([resize(up, spatial(levels[i])), levels[i]], 1));
    }
    return up.add(input);
  }
}
