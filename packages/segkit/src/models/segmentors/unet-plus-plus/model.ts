// UNet++ (Zhou et al. 2018): nested, dense skip pathways. Node X(i, j) at depth i and column j sees
// every node X(i, 0..j-1) of its row and the upsampled X(i+1, j-1). With deep supervision, a 1×1
// classifier sits on each top node X(0, 1..L) and training averages their losses; inference can be
// pruned to depth `pruneLevel`, computing only the nodes X(0, pruneLevel) depends on.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DoubleConv } from "../../blocks/double-conv.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

export interface UNetPlusPlusOptions extends Omit<SegmentorOptions, "divisor"> {
  widths?: number[];
  inChannels?: number;
  deepSupervision?: boolean;
  /** Inference uses X(0, pruneLevel) (1..depth); default the full depth. */
  pruneLevel?: number;
}

export class UNetPlusPlus extends Segmentor {
  /** "i_j" → the conv block of node X(i, j). */
  readonly nodes: nn.ModuleDict<DoubleConv>;
  /** One classifier per top node X(0, j), j = 1..depth (only the last without deep supervision). */
  readonly heads: nn.ModuleList<nn.Conv2d>;
  readonly depth: number;
  readonly deepSupervision: boolean;
  pruneLevel: number;

  constructor({ widths = [32, 64, 128, 256, 512], inChannels = 3, deepSupervision = true, pruneLevel, ...common }: UNetPlusPlusOptions) {
    super({ ...common, divisor: 2 ** (widths.length - 1) });
    this.depth = widths.length - 1;
    this.deepSupervision = deepSupervision;
    this.pruneLevel = pruneLevel ?? this.depth;
    if (!(Number.isInteger(this.pruneLevel) && this.pruneLevel >= 1 && this.pruneLevel <= this.depth)) {
      throw new RangeError(`UNetPlusPlus: pruneLevel must be an integer in 1..${this.depth}, got ${pruneLevel}`);
    }
    this.nodes = this.registerModule("nodes", new nn.ModuleDict());
    for (let j = 0; j <= this.depth; j++) {
      for (let i = 0; i + j <= this.depth; i++) {
        const cin = j === 0 ? (i === 0 ? inChannels : widths[i - 1]) : j * widths[i] + widths[i + 1];
        this.nodes.set(`${i}_${j}`, new DoubleConv(cin, widths[i]));
      }
    }
    const heads = deepSupervision ? this.depth : 1;
    this.heads = this.registerModule("heads", new nn.ModuleList(Array.from({ length: heads }, () => new nn.Conv2d(widths[0], this.numClasses, 1))));
  }

  /** The top nodes X(0, 1..levels), computing only what they need. */
  #topNodes(x: Tensor, levels: number): Tensor[] {
    const grid: Tensor[][] = [];
    for (let i = 0; i <= levels; i++) {
      const input = i === 0 ? x : torch.maxPool2d(grid[i - 1][0], [2, 2]);
      grid.push([this.nodes.get(`${i}_0`).call(input)]);
      // New column entries along the anti-diagonal ending in row i.
      for (let j = 1; j <= i; j++) {
        const row = i - j;
        const below = grid[row + 1][j - 1];
        const up = resize(below, spatial(grid[row][0]));
        grid[row].push(this.nodes.get(`${row}_${j}`).call(torch.cat([...grid[row], up], 1)));
      }
    }
    return grid[0].slice(1);
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const levels = this.training ? this.depth : this.pruneLevel;
    const top = this.#topNodes(x, levels);
    const head = this.deepSupervision ? this.heads.at(levels - 1) : this.heads.at(0);
    return head.call(top[levels - 1]);
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    this.checkImage(x);
    const top = this.#topNodes(x, this.depth);
    if (!this.deepSupervision) return { "decode.loss": this.pixelLoss(this.heads.at(0).call(top[this.depth - 1]), target) };
    const parts: Record<string, Tensor> = {};
    top.forEach((node, j) => {
      parts[`decode.loss${j + 1}`] = this.pixelLoss(this.heads.at(j).call(node), target).div(this.depth);
    });
    return parts;
  }
}
