// Intersection over union between detections and ground-truth objects as pycocotools' iou computes
// it, for masks (RLE) or boxes. Against a crowd region the union is the detection alone, so a
// detection lying inside a crowd scores 1 however small it is.
import { rleArea, rleToBbox, type Box, type Rle } from "./rle.js";
import { walkRunPairs } from "./rle-runs.js";

/** ious[d][g] between boxes [x, y, w, h]. */
export function boxIou(detections: readonly Box[], groundTruth: readonly Box[], iscrowd: readonly boolean[]): number[][] {
  return detections.map((d) => groundTruth.map((g, j) => boxPairIou(d, g, iscrowd[j] ?? false)));
}

function boxPairIou(d: Box, g: Box, crowd: boolean): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const detArea = d[2] * d[3];
  return inter / (crowd ? detArea : detArea + g[2] * g[3] - inter);
}

/** ious[d][g] between masks of one size; pairs whose boxes do not overlap are 0 without walking runs. */
export function rleIou(detections: readonly Rle[], groundTruth: readonly Rle[], iscrowd: readonly boolean[]): number[][] {
  const detBoxes = detections.map(rleToBbox);
  const gtBoxes = groundTruth.map(rleToBbox);
  return detections.map((d, i) =>
    groundTruth.map((g, j) => {
      if (d.size[0] !== g.size[0] || d.size[1] !== g.size[1]) throw new RangeError(`detection ${i} is ${d.size.join("×")} but ground truth ${j} is ${g.size.join("×")}`);
      const crowd = iscrowd[j] ?? false;
      if (boxPairIou(detBoxes[i], gtBoxes[j], crowd) <= 0) return 0;
      const inter = intersection(d.counts, g.counts);
      if (inter === 0) return 0;
      return inter / (crowd ? rleArea(d) : rleArea(d) + rleArea(g) - inter);
    }),
  );
}

/** Pixels inside both. */
function intersection(a: readonly number[], b: readonly number[]): number {
  let both = 0;
  walkRunPairs(a, b, (pixels, inA, inB) => {
    if (inA && inB) both += pixels;
  });
  return both;
}
