// Multi-head attention helpers: heads split and merged, and scaled dot-product attention computed over
// slices of the queries, so that the attention matrix never exists whole: SegFormer-B0's first stage
// at 1024×2048 has 131,072 queries × 2,048 reduced keys, 1 GiB of float32 weights per head. Softmax
// normalises each query's row on its own, so the slices give exactly the unsliced result.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Attention weights alive at a time by default: 2^25 float32 = 128 MiB. */
export const ATTENTION_CHUNK_ELEMENTS = 2 ** 25;

/**
 * The scores (B, heads, end − start, M) of the queries start..end plus their bias, added before
 * the softmax.
 */
export type AttentionBias = (scores: Tensor, start: number, end: number) => Tensor;

/**
 * softmax(q·kᵀ × scale + bias)·v for q (B, heads, N, d) and k, v (B, heads, M, d); computed over
 * query slices holding at most `maxElements` attention weights (at least one query per slice).
 */
export function chunkedAttention(q: Tensor, k: Tensor, v: Tensor, scale: number, maxElements = ATTENTION_CHUNK_ELEMENTS, bias?: AttentionBias): Tensor {
  const [batch, heads, queries] = q.shape;
  const keys = k.shape[2];
  const rows = Math.max(1, Math.floor(maxElements / (batch * heads * keys)));
  const attend = (part: Tensor, start: number, end: number): Tensor => {
    const product = part.matmul(k.transpose(-2, -1));
    // Callers that scale q beforehand (a pass over N·d, not N·M) pass scale 1.
    const scores = scale === 1 ? product : product.mul(scale);
    return (bias ? bias(scores, start, end) : scores).softmax(-1).matmul(v);
  };
  if (rows >= queries) return attend(q, 0, queries);
  const slices: Tensor[] = [];
  for (let start = 0; start < queries; start += rows) {
    const end = Math.min(start + rows, queries);
    slices.push(torch.tidy(() => attend(q.slice(2, start, end), start, end)));
  }
  // The slices are the size of the output (no attention weights): the caller's scope frees them.
  return torch.cat(slices, 2);
}

/** The width of one head; throws naming `owner` unless `channels` splits evenly into `numHeads`. */
export function headWidth(owner: string, channels: number, numHeads: number): number {
  if (!(Number.isInteger(numHeads) && numHeads >= 1 && channels % numHeads === 0)) {
    throw new RangeError(`${owner}: channels (${channels}) must be a multiple of numHeads (${numHeads})`);
  }
  return channels / numHeads;
}

/** (B, N, C) → (B, heads, N, C / heads); an exported graph takes any B and N (sizeOf). */
export function splitHeads(x: Tensor, numHeads: number): Tensor {
  const channels = x.shape[2];
  return x.reshape([torch.sizeOf(x, 0), torch.sizeOf(x, 1), numHeads, channels / numHeads]).permute([0, 2, 1, 3]);
}

/** (B, heads, N, d) → (B, N, heads · d); an exported graph takes any B and N (sizeOf). */
export function mergeHeads(x: Tensor): Tensor {
  const [, heads, , width] = x.shape;
  return x.permute([0, 2, 1, 3]).reshape([torch.sizeOf(x, 0), torch.sizeOf(x, 2), heads * width]);
}
