// The image encoder's multi-head attention (keys qkv, proj, rel_pos_h, rel_pos_w): global over the
// token map or within one window, with the decomposed relative position bias; attended in query
// slices (chunkedAttention), so the global blocks of ViT-H at 1024² never hold all 4096² scores.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ATTENTION_CHUNK_ELEMENTS, chunkedAttention, headWidth } from "../blocks/chunked-attention.js";
import { decomposedRelativeBias, relativeIndex } from "./relative-position.js";

export class WindowedAttention extends nn.Module {
  readonly qkv: nn.Linear;
  readonly proj: nn.Linear;
  declare readonly rel_pos_h: Tensor;
  declare readonly rel_pos_w: Tensor;
  declare readonly relative_index_h: Tensor;
  declare readonly relative_index_w: Tensor;
  readonly #headDim: number;

  /** `grid` is the [h, w] the attention runs on: the window, or the whole token map for global blocks. */
  constructor(readonly dim: number, readonly numHeads: number, grid: number[], readonly chunkElements = ATTENTION_CHUNK_ELEMENTS) {
    super();
    this.#headDim = headWidth("WindowedAttention", dim, numHeads);
    this.qkv = this.registerModule("qkv", new nn.Linear(dim, 3 * dim));
    this.proj = this.registerModule("proj", new nn.Linear(dim, dim));
    this.registerParameter("rel_pos_h", torch.zeros([2 * grid[0] - 1, this.#headDim]));
    this.registerParameter("rel_pos_w", torch.zeros([2 * grid[1] - 1, this.#headDim]));
    this.registerBuffer("relative_index_h", relativeIndex(grid[0], grid[0]), { persistent: false });
    this.registerBuffer("relative_index_w", relativeIndex(grid[1], grid[1]), { persistent: false });
  }

  /** x (B, H, W, dim) → (B, H, W, dim). */
  forward(x: Tensor): Tensor {
    const [b, h, w] = x.shape;
    const n = h * w;
    // The packed projection's last axis is (q | k | v) × heads × headDim.
    const qkv = this.qkv.call(x).reshape([b, n, 3, this.numHeads, this.#headDim]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i));
    const bias = decomposedRelativeBias(q, [this.rel_pos_h, this.relative_index_h], [this.rel_pos_w, this.relative_index_w], [h, w]);
    // q scaled before the product, as the authors do: one pass over N·d instead of N².
    const attended = chunkedAttention(q.mul(this.#headDim ** -0.5), k, v, 1, this.chunkElements, bias);
    return this.proj.call(attended.transpose(1, 2).reshape([b, h, w, this.dim]));
  }
}
