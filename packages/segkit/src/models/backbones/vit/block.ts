// The pre-norm transformer block of ViT (timm's Block, the Segmenter decoder's too):
// x + DropPath(attn(norm1(x))), then x + DropPath(mlp(norm2(x))).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DropPath } from "../../blocks/drop-path.js";
import { SelfAttention } from "./attention.js";
import { Mlp } from "./mlp.js";

export interface TransformerBlockOptions {
  mlpRatio?: number;
  /** LayerNorm epsilon: 1e-6 in timm's ViT, PyTorch's 1e-5 in Segmenter's decoder. */
  eps?: number;
  drop?: number;
  attnDrop?: number;
  dropPath?: number;
  chunkElements?: number;
}

export class TransformerBlock extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: SelfAttention;
  readonly norm2: nn.LayerNorm;
  readonly mlp: Mlp;
  readonly #dropPath: DropPath;

  constructor(dim: number, numHeads: number, { mlpRatio = 4, eps = 1e-6, drop = 0, attnDrop = 0, dropPath = 0, chunkElements }: TransformerBlockOptions = {}) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(dim, { eps }));
    this.attn = this.registerModule("attn", new SelfAttention(dim, numHeads, { attnDrop, projDrop: drop, chunkElements }));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(dim, { eps }));
    this.mlp = this.registerModule("mlp", new Mlp(dim, Math.round(dim * mlpRatio), drop));
    this.#dropPath = this.registerModule("drop_path", new DropPath(dropPath));
  }

  forward(x: Tensor): Tensor {
    const y = x.add(this.#dropPath.call(this.attn.call(this.norm1.call(x))));
    return y.add(this.#dropPath.call(this.mlp.call(this.norm2.call(y))));
  }
}

/** Drop-path probabilities rising linearly from 0 to `rate` over `depth` blocks (timm, mmseg). */
export function dropPathSchedule(rate: number, depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => (depth > 1 ? (rate * i) / (depth - 1) : 0));
}
