/**
 * One-vs-rest counts per class (true/false positives/negatives). Every per-class metric is a
 * ratio of these, and per-image evaluation keeps only these, not whole matrices.
 */
export interface ClassCounts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  tn: Float64Array;
}

/** One-vs-rest counts from a K×K matrix stored row-major with rows = ground truth, columns = prediction. */
export function classCountsOf(counts: ArrayLike<number>, k: number): ClassCounts {
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  const tn = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k * k; i++) total += counts[i];
  for (let c = 0; c < k; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += counts[c * k + j];
      col += counts[j * k + c];
    }
    tp[c] = counts[c * k + c];
    fn[c] = row - tp[c];
    fp[c] = col - tp[c];
    tn[c] = total - tp[c] - fn[c] - fp[c];
  }
  return { tp, fp, fn, tn };
}
