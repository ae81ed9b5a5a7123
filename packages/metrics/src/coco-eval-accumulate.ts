// Precision and recall over all images of one category, area range and detection limit
// (pycocotools' COCOeval.accumulate): detections pooled across images in score order (ties keep
// image order), cumulative hits and misses per IoU threshold, precision made non-increasing from
// the right and read at 101 recall points (0 past the highest recall reached).
import type { ImageMatches } from "./coco-eval-match.js";

/** numpy's np.spacing(1), added to precision's denominator. */
const EPSILON = 2 ** -52;

export interface Curve {
  /** [threshold][recall point] */
  precision: Float64Array[];
  /** [threshold]: the recall reached. */
  recall: Float64Array;
}

/** null when no object counts towards recall (pycocotools leaves -1 there). */
export function accumulate(images: readonly ImageMatches[], maxDetections: number, recallThresholds: readonly number[], thresholdCount: number): Curve | null {
  const objects = images.reduce((sum, e) => sum + e.countedObjects, 0);
  if (images.length === 0 || objects === 0) return null;
  const pooled = images.flatMap((e) => e.scores.slice(0, maxDetections).map((score, d) => ({ score, e, d })));
  pooled.sort((a, b) => b.score - a.score); // stable, as numpy's mergesort
  const precision: Float64Array[] = [];
  const recall = new Float64Array(thresholdCount);
  for (let t = 0; t < thresholdCount; t++) {
    const rc = new Float64Array(pooled.length);
    const pr = new Float64Array(pooled.length);
    let tp = 0, fp = 0;
    pooled.forEach(({ e, d }, i) => {
      if (!e.ignored[t][d]) {
        if (e.matched[t][d]) tp++;
        else fp++;
      }
      rc[i] = tp / objects;
      pr[i] = tp / (fp + tp + EPSILON);
    });
    recall[t] = pooled.length > 0 ? rc[pooled.length - 1] : 0;
    for (let i = pooled.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    const q = new Float64Array(recallThresholds.length);
    let i = 0;
    for (const [r, threshold] of recallThresholds.entries()) {
      while (i < rc.length && rc[i] < threshold) i++; // numpy's searchsorted(side="left")
      if (i === rc.length) break;
      q[r] = pr[i];
    }
    precision.push(q);
  }
  return { precision, recall };
}
