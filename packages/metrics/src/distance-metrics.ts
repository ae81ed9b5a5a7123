/**
 * Hausdorff distance, HD95 and average symmetric surface distance between a predicted and a
 * ground-truth binary mask (or volume), in the units of the grid's spacing. Following medpy:
 * surfaces are 4-connected contours (6-connected in volumes), HD95 is the 95th percentile (linear
 * interpolation) of both directed distance sets pooled, ASSD is the mean of the two directed mean
 * distances. MONAI's HausdorffDistanceMetric(percentile=95) instead takes the larger of the two
 * directed 95th percentiles: `hd95MaxDirected`. When either mask is empty there is no surface to
 * measure and every result is NaN.
 */
import type { Grid } from "./distance-transform.js";
import { directedSurfaceDistances } from "./surface.js";

export interface SurfaceDistances {
  hausdorff: number;
  hd95: number;
  /** MONAI's HD95: max(95th percentile of pred→gt distances, 95th percentile of gt→pred). */
  hd95MaxDirected: number;
  assd: number;
}

export function surfaceDistances(
  pred: ArrayLike<number | boolean>,
  gt: ArrayLike<number | boolean>,
  grid: Grid,
): SurfaceDistances {
  const a = directedSurfaceDistances(pred, gt, grid);
  const b = directedSurfaceDistances(gt, pred, grid);
  if (a.length === 0 || b.length === 0) return { hausdorff: NaN, hd95: NaN, hd95MaxDirected: NaN, assd: NaN };
  const pooled = new Float64Array(a.length + b.length);
  pooled.set(a);
  pooled.set(b, a.length);
  pooled.sort();
  return {
    hausdorff: pooled[pooled.length - 1],
    hd95: percentile(pooled, 95),
    hd95MaxDirected: Math.max(percentile(a.slice().sort(), 95), percentile(b.slice().sort(), 95)),
    assd: (mean(a) + mean(b)) / 2,
  };
}

/** q-th percentile of sorted values, linear between the two nearest ranks (numpy's default). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
