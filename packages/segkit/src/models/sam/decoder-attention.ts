// The mask decoder's attention (keys q_proj, k_proj, v_proj, out_proj): separate query, key and value
// projections down to width / downsampleRate, so the image-sized cross attentions stay cheap.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { chunkedAttention, headWidth, mergeHeads, splitHeads } from "../blocks/chunked-attention.js";

export class DecoderAttention extends nn.Module {
  readonly q_proj: nn.Linear;
  readonly k_proj: nn.Linear;
  readonly v_proj: nn.Linear;
  readonly out_proj: nn.Linear;
  readonly #headDim: number;

  constructor(dim: number, readonly numHeads: number, downsampleRate = 1) {
    super();
    const internal = dim / downsampleRate;
    this.#headDim = headWidth("DecoderAttention", internal, numHeads);
    this.q_proj = this.registerModule("q_proj", new nn.Linear(dim, internal));
    this.k_proj = this.registerModule("k_proj", new nn.Linear(dim, internal));
    this.v_proj = this.registerModule("v_proj", new nn.Linear(dim, internal));
    this.out_proj = this.registerModule("out_proj", new nn.Linear(internal, dim));
  }

  /** q (B, N, dim), k and v (B, M, dim) → (B, N, dim). */
  forward(q: Tensor, k: Tensor, v: Tensor): Tensor {
    const [qh, kh, vh] = [this.q_proj.call(q), this.k_proj.call(k), this.v_proj.call(v)].map((t) => splitHeads(t, this.numHeads));
    return this.out_proj.call(mergeHeads(chunkedAttention(qh, kh, vh, this.#headDim ** -0.5)));
  }
}
