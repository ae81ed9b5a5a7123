// Multi-head self-attention as timm's ViT Attention holds it: one packed "qkv" Linear and an output
// "proj" Linear (keys attn.qkv.*, attn.proj.*). Long sequences are attended over query slices, so the
// full attention matrix never exists at once.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ATTENTION_CHUNK_ELEMENTS, chunkedAttention } from "../../blocks/chunked-attention.js";

export interface SelfAttentionOptions {
  /** Dropout on the attention weights (train mode; only where the sequence is attended whole). */
  attnDrop?: number;
  /** Dropout after the output projection. */
  projDrop?: number;
  /** Attention weights alive at a time (default 2^25, 128 MiB of float32). */
  chunkElements?: number;
}

export class SelfAttention extends nn.Module {
  readonly qkv: nn.Linear;
  readonly proj: nn.Linear;
  readonly #attnDrop: nn.Dropout;
  readonly #projDrop: nn.Dropout;
  readonly #headDim: number;
  readonly #chunkElements: number;

  constructor(readonly dim: number, readonly numHeads: number, { attnDrop = 0, projDrop = 0, chunkElements = ATTENTION_CHUNK_ELEMENTS }: SelfAttentionOptions = {}) {
    super();
    if (!(Number.isInteger(numHeads) && numHeads >= 1 && dim % numHeads === 0)) {
      throw new RangeError(`SelfAttention: the width (${dim}) must be a multiple of the number of heads (${numHeads})`);
    }
    this.#headDim = dim / numHeads;
    this.#chunkElements = chunkElements;
    this.qkv = this.registerModule("qkv", new nn.Linear(dim, 3 * dim));
    this.#attnDrop = new nn.Dropout(attnDrop);
    this.proj = this.registerModule("proj", new nn.Linear(dim, dim));
    this.#projDrop = this.registerModule("proj_drop", new nn.Dropout(projDrop));
  }

  /** x (B, N, dim) → (B, N, dim). */
  forward(x: Tensor): Tensor {
    const [b, n] = x.shape;
    // The packed projection's last axis is (q | k | v) × heads × headDim; each part → (B, heads, N, headDim).
    const qkv = this.qkv.call(x);
    const [q, k, v] = [0, 1, 2].map((i) => qkv.slice(-1, i * this.dim, (i + 1) * this.dim).reshape([b, n, this.numHeads, this.#headDim]).transpose(1, 2));
    const scale = this.#headDim ** -0.5;
    const attended = this.training && this.#attnDrop.p > 0
      ? this.#attnDrop.call(q.matmul(k.transpose(-2, -1)).mul(scale).softmax(-1)).matmul(v)
      : chunkedAttention(q, k, v, scale, this.#chunkElements);
    return this.#projDrop.call(this.proj.call(attended.transpose(1, 2).reshape([b, n, this.dim])));
  }
}
