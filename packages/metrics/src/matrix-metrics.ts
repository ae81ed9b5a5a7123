/**
 * Metrics that need the whole matrix rather than one-vs-rest counts per class.
 * `counts` is K×K row-major, rows = ground truth, columns = prediction.
 */
import { divide, type AbsentPolicy } from "./absent.js";

function sums(counts: ArrayLike<number>, k: number) {
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  let total = 0;
  let trace = 0;
  for (let i = 0; i < k; i++) {
    trace += counts[i * k + i];
    for (let j = 0; j < k; j++) {
      rows[i] += counts[i * k + j];
      cols[j] += counts[i * k + j];
    }
  }
  for (let i = 0; i < k; i++) total += rows[i];
  return { rows, cols, total, trace };
}

/** Pixel accuracy (PA, mmsegmentation's aAcc): correctly labelled pixels over all counted pixels. */
export function pixelAccuracy(counts: ArrayLike<number>, k: number, absent: AbsentPolicy = "mmseg"): number {
  const { trace, total } = sums(counts, k);
  return divide(trace, total, absent);
}

/**
 * Frequency-weighted IoU: Σ_i (gt pixels of i / all pixels) · IoU_i over classes present in the
 * ground truth (their IoU is always defined).
 */
export function frequencyWeightedIoU(counts: ArrayLike<number>, k: number, absent: AbsentPolicy = "mmseg"): number {
  const { rows, cols, total } = sums(counts, k);
  if (total === 0) return divide(0, 0, absent);
  let fw = 0;
  for (let i = 0; i < k; i++) {
    if (rows[i] === 0) continue;
    const tp = counts[i * k + i];
    fw += (rows[i] / total) * (tp / (rows[i] + cols[i] - tp));
  }
  return fw;
}

/** Cohen's kappa: agreement beyond chance, (p_o - p_e) / (1 - p_e) with p_e = Σ row_i·col_i / N². */
export function cohenKappa(counts: ArrayLike<number>, k: number, absent: AbsentPolicy = "mmseg"): number {
  const { rows, cols, total, trace } = sums(counts, k);
  if (total === 0) return divide(0, 0, absent);
  let chance = 0;
  for (let i = 0; i < k; i++) chance += (rows[i] / total) * (cols[i] / total);
  return divide(trace / total - chance, 1 - chance, absent);
}

/**
 * The matrix divided by its row sums ("row": each ground-truth class sums to 1, the diagonal is
 * recall), column sums ("column": the diagonal is precision) or the total ("all"). Empty rows or
 * columns stay 0, so the result can be plotted directly.
 */
export function normalizeMatrix(counts: ArrayLike<number>, k: number, by: "row" | "column" | "all"): Float64Array {
  const { rows, cols, total } = sums(counts, k);
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const den = by === "row" ? rows[i] : by === "column" ? cols[j] : total;
      out[i * k + j] = den === 0 ? 0 : counts[i * k + j] / den;
    }
  }
  return out;
}
