/**
 * Turning per-class ratios into per-class scores and single numbers, the way
 * segmentation_models_pytorch names the reductions:
 * - "micro": sum numerators and denominators over classes, then divide once;
 * - "macro": score each class, then average (absent classes per the policy);
 * - "weighted": like macro, weighted by each class's ground-truth pixel count (tp + fn);
 * - "micro-imagewise" / "macro-imagewise": reduce each image alone, then average over images.
 */
import { divide, macroWeight, weightedMean, type AbsentPolicy } from "./absent.js";
import type { ClassCounts } from "./class-counts.js";
import type { Ratio } from "./ratios.js";

export type Reduction = "micro" | "macro" | "weighted";
export type ImagewiseReduction = "micro-imagewise" | "macro-imagewise";

export interface ReduceOptions {
  /** Absent-class convention; "mmseg" (NaN, skipped by the mean) by default. */
  absent?: AbsentPolicy;
}

/** Score of every class; 0/0 becomes NaN, 0 or 1 according to the policy. */
export function perClass(metric: Ratio, c: ClassCounts, { absent = "mmseg" }: ReduceOptions = {}): Float64Array {
  const out = new Float64Array(c.tp.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = divide(metric.num(c.tp[i], c.fp[i], c.fn[i], c.tn[i]), metric.den(c.tp[i], c.fp[i], c.fn[i], c.tn[i]), absent);
  }
  return out;
}

/** One number from dataset-level counts. */
export function reduce(metric: Ratio, c: ClassCounts, reduction: Reduction, options: ReduceOptions = {}): number {
  const absent = options.absent ?? "mmseg";
  const k = c.tp.length;
  if (reduction === "micro") {
    let num = 0;
    let den = 0;
    for (let i = 0; i < k; i++) {
      num += metric.num(c.tp[i], c.fp[i], c.fn[i], c.tn[i]);
      den += metric.den(c.tp[i], c.fp[i], c.fn[i], c.tn[i]);
    }
    return divide(num, den, absent);
  }
  const weights = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    weights[i] = reduction === "weighted" ? c.tp[i] + c.fn[i] : macroWeight(absent, c.tp[i], c.fp[i], c.fn[i]);
  }
  return weightedMean(perClass(metric, c, { absent }), weights, absent);
}

/** One number from per-image counts: each image reduced alone, then the images averaged. */
export function reduceImagewise(
  metric: Ratio,
  images: readonly ClassCounts[],
  reduction: ImagewiseReduction,
  options: ReduceOptions = {},
): number {
  const absent = options.absent ?? "mmseg";
  const within: Reduction = reduction === "micro-imagewise" ? "micro" : "macro";
  const scores = images.map((c) => reduce(metric, c, within, { absent }));
  return weightedMean(scores, scores.map(() => 1), absent);
}
