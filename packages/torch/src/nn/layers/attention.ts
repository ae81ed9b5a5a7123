// MultiheadAttention with PyTorch's parameter names (in_proj_weight, in_proj_bias, out_proj.*) and
// the computation of torch.nn.functional.multi_head_attention_forward.
import type { Tensor } from "../../tensor.js";
import { tidy } from "../../scope.js";
import { baddbmm, bmm, dropout, empty, linear, softmax, zeros, zerosLike } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkInput } from "../check.js";
import { constant, xavierUniform } from "../init.js";
import { Linear } from "./linear.js";

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights (train mode only). */
  dropout?: number;
  bias?: boolean;
  /** Inputs and output are (N, L, E) instead of (L, N, E). */
  batchFirst?: boolean;
}

export interface AttentionCallOptions {
  /** (N, S): true marks keys to ignore (or a float mask added to the scores). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** (L, S) or (N·heads, L, S): true marks pairs that may not attend (or float values added). */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true); otherwise (N, heads, L, S). */
  averageAttnWeights?: boolean;
}

/** Attention from queries to keys/values of the same width embedDim, split into numHeads heads. */
export class MultiheadAttention extends Module {
  declare readonly in_proj_weight: Tensor;
  declare readonly in_proj_bias: Tensor | null;
  readonly out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, { dropout = 0, bias = true, batchFirst = false }: MultiheadAttentionOptions = {}) {
    super();
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    // PyTorch's _reset_parameters: xavier-uniform packed projection, zero biases; out_proj keeps
    // Linear's weight initialisation.
    this.registerParameter("in_proj_weight", xavierUniform(empty([3 * embedDim, embedDim])));
    this.registerParameter("in_proj_bias", bias ? zeros([3 * embedDim]) : null);
    this.out_proj = this.registerModule("out_proj", new Linear(embedDim, embedDim, { bias }));
    if (this.out_proj.bias) constant(this.out_proj.bias, 0);
  }

  /**
   * query (L, N, E), key and value (S, N, E) — (N, ·, E) with batchFirst, or unbatched (L, E) —
   * give the output shaped like query and the attention weights (null unless needWeights).
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    const E = this.embedDim;
    const dtype = this.in_proj_weight.dtype;
    checkInput(this, query, [this.batchFirst ? ["N", "L", E] : ["L", "N", E], ["L", E]], dtype, "query");
    const batched = query.ndim === 3;
    const n = query.shape[this.batchFirst ? 0 : 1];
    checkInput(this, key, [!batched ? ["S", E] : this.batchFirst ? [n, "S", E] : ["S", n, E]], dtype, "key");
    checkInput(this, value, [key.shape], dtype, "value");
    return tidy(() => {
      // Computed as (L, N, E).
      const seqFirst = (t: Tensor): Tensor => (!batched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t);
      const [output, weights] = this.#attend(seqFirst(query), seqFirst(key), seqFirst(value), options);
      const out = !batched ? output.squeeze(1) : this.batchFirst ? output.transpose(0, 1) : output;
      return [out, weights === null || batched ? weights : weights.squeeze(0)] as [Tensor, Tensor | null];
    });
  }

  #attend(query: Tensor, key: Tensor, value: Tensor, options: AttentionCallOptions): [Tensor, Tensor | null] {
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true } = options;
    const [L, N, E] = query.shape;
    const S = key.shape[0];
    const H = this.numHeads;
    const [wq, wk, wv] = this.in_proj_weight.chunk(3);
    const [bq, bk, bv] = this.in_proj_bias?.chunk(3) ?? [null, null, null];
    // (len, N, E) → (N·H, len, headDim)
    const heads = (t: Tensor, len: number): Tensor => t.contiguous().view([len, N * H, this.headDim]).transpose(0, 1);
    const q = heads(linear(query, wq, bq), L).div(Math.sqrt(this.headDim));
    const k = heads(linear(key, wk, bk), S);
    const v = heads(linear(value, wv, bv), S);
    const mask = this.#mask(attnMask, keyPaddingMask, N, L, S, query);
    let weights = softmax(mask === null ? bmm(q, k.transpose(-2, -1)) : baddbmm(mask, q, k.transpose(-2, -1)), -1);
    if (this.training && this.dropout > 0) weights = dropout(weights, this.dropout, true);
    const attended = bmm(weights, v).transpose(0, 1).contiguous().view([L * N, E]);
    const output = linear(attended, this.out_proj.weight, this.out_proj.bias).view([L, N, E]);
    if (!needWeights) return [output, null];
    const perHead = weights.view([N, H, L, S]);
    return [output, averageAttnWeights ? perHead.sum([1]).div(H) : perHead];
  }

  // One additive float mask of (1 or N·H, L, S) from the attention mask and the key padding mask.
  #mask(attnMask: Tensor | null, keyPaddingMask: Tensor | null, N: number, L: number, S: number, like: Tensor): Tensor | null {
    const H = this.numHeads;
    const additive = (m: Tensor): Tensor => (m.dtype === "bool" ? zerosLike(m, { dtype: like.dtype }).maskedFill(m, -Infinity) : m);
    let mask: Tensor | null = null;
    if (attnMask !== null) {
      checkInput(this, attnMask, [[L, S], [N * H, L, S]], undefined, "attnMask");
      mask = additive(attnMask.ndim === 2 ? attnMask.unsqueeze(0) : attnMask);
    }
    if (keyPaddingMask !== null) {
      checkInput(this, keyPaddingMask, [[N, S]], undefined, "keyPaddingMask");
      const padding = additive(keyPaddingMask).view([N, 1, 1, S]).expand([-1, H, -1, -1]).reshape([N * H, 1, S]);
      mask = mask === null ? padding : mask.add(padding);
    }
    return mask;
  }

  protected override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}`;
  }
}
