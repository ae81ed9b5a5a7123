// Decomposed relative position bias (MViTv2, Li et al. 2022, as SAM's image encoder uses it): the
// attention score of query (i, j) for key (k, l) gains q·Rh[i − k] + q·Rw[j − l], with learned
// tables of 2·size − 1 entries per axis (rel_pos_h, rel_pos_w).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { AttentionBias } from "../blocks/chunked-attention.js";

/**
 * The table row of every (query, key) pair along one axis, (qSize · kSize) int64, made once (a
 * constant of exported graphs). Query and key coordinates are scaled to the longer axis as the
 * reference does for unequal sizes.
 */
export function relativeIndex(qSize: number, kSize: number): Tensor {
  const qScale = Math.max(kSize / qSize, 1);
  const kScale = Math.max(qSize / kSize, 1);
  const index = new BigInt64Array(qSize * kSize);
  for (let i = 0; i < qSize; i++) {
    for (let j = 0; j < kSize; j++) index[i * kSize + j] = BigInt(Math.trunc(i * qScale - j * kScale + (kSize - 1) * kScale));
  }
  return torch.tensor(index);
}

/** The table's rows for every (query, key) pair along one axis: (size, size, C). */
function relativePositions(table: Tensor, index: Tensor, size: number): Tensor {
  if (table.shape[0] !== 2 * size - 1) {
    throw new RangeError(`relative position table has ${table.shape[0]} rows, ${2 * size - 1} needed for ${size} positions (the image encoder runs at its own image size only)`);
  }
  return torch.indexSelect(table, 0, index).reshape([size, size, -1]);
}

/**
 * The bias chunkedAttention adds for queries on an [h, w] grid attending to keys on the same grid,
 * q (B, heads, h·w, C); `indexH`, `indexW` from relativeIndex. Both axes' terms are broadcast into
 * the scores as the authors' two adds, without a (rows, h·w) bias tensor (out of place: exported).
 */
export function decomposedRelativeBias(q: Tensor, [tableH, indexH]: Tensor[], [tableW, indexW]: Tensor[], [h, w]: number[]): AttentionBias {
  const [b, heads, n, c] = q.shape;
  const grid = q.reshape([b * heads, h, w, c]);
  const alongH = torch.einsum("bhwc,hkc->bhwk", [grid, relativePositions(tableH, indexH, h)]).reshape([b, heads, n, h, 1]);
  const alongW = torch.einsum("bhwc,wkc->bhwk", [grid, relativePositions(tableW, indexW, w)]).reshape([b, heads, n, 1, w]);
  return (scores, start, end) => scores.reshape([b, heads, end - start, h, w])
    .add(alongH.slice(2, start, end)).add(alongW.slice(2, start, end)).reshape([b, heads, end - start, h * w]);
}
