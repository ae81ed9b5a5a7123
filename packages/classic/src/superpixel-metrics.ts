/**
 * Superpixel quality against a ground-truth segmentation (the measures of Achanta et al. 2012 and
 * Neubert & Protzel 2012, as Stutz et al.'s superpixel benchmark defines them):
 * - boundary recall: the fraction of ground-truth boundary pixels with a superpixel boundary pixel
 *   within `tolerance` pixels (Chebyshev distance); a pixel is on a boundary when its right or lower
 *   neighbour has another label;
 * - under-segmentation error (Neubert & Protzel): (1/N) Σ_S Σ_G min(|S∩G|, |S∖G|) over superpixels
 *   S and ground-truth labels G that overlap (pass connected components for segments instead) —
 *   the leak of each superpixel outside the ground-truth region,
 *   charged to the smaller side.
 * Ground-truth pixels equal to `ignoreIndex` are left out of both (and boundaries touching them).
 */
import { checkInteger, checkLabelMap, checkSameSize, type LabelMap } from "./image.js";
import { dilateMask } from "./morphology.js";

export interface SuperpixelMetricOptions {
  /** Ground-truth label to leave out (e.g. CamVid's void 11). */
  ignoreIndex?: number;
}

/** 1 where the right or lower neighbour has another label (the boundaries the metrics and overlays use). */
export function labelBoundaries(map: LabelMap): Uint8Array {
  const { width, height, labels } = map;
  const out = new Uint8Array(labels.length);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      if ((x + 1 < width && labels[p + 1] !== labels[p]) || (y + 1 < height && labels[p + width] !== labels[p])) out[p] = 1;
    }
  }
  return out;
}

function check(where: string, superpixels: LabelMap, groundTruth: LabelMap): void {
  checkLabelMap(where, "superpixels", superpixels);
  checkLabelMap(where, "groundTruth", groundTruth);
  checkSameSize(where, superpixels, "superpixels", groundTruth, "groundTruth");
}

export function boundaryRecall(superpixels: LabelMap, groundTruth: LabelMap, options: SuperpixelMetricOptions & { tolerance?: number } = {}): number {
  check("boundaryRecall", superpixels, groundTruth);
  const tolerance = options.tolerance ?? 2;
  checkInteger("boundaryRecall", "tolerance", tolerance, 0);
  const { width, height, labels: gt } = groundTruth;
  const near = dilateMask(labelBoundaries(superpixels), width, height, tolerance, "square");
  const truth = labelBoundaries(groundTruth);
  const ignore = options.ignoreIndex;
  let total = 0;
  let found = 0;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      if (!truth[p]) continue;
      if (ignore !== undefined && (gt[p] === ignore || (x + 1 < width && gt[p + 1] === ignore) || (y + 1 < height && gt[p + width] === ignore))) continue;
      total++;
      found += near[p];
    }
  }
  return total === 0 ? NaN : found / total;
}

export function undersegmentationError(superpixels: LabelMap, groundTruth: LabelMap, options: SuperpixelMetricOptions = {}): number {
  check("undersegmentationError", superpixels, groundTruth);
  const sp = superpixels.labels;
  const gt = groundTruth.labels;
  let segments = 0;
  let regions = 0;
  for (let p = 0; p < sp.length; p++) {
    if (sp[p] < 0) throw new RangeError(`undersegmentationError: superpixels.labels[${p}] is ${sp[p]}; ids must be ≥ 0`);
    if (gt[p] < 0 && gt[p] !== options.ignoreIndex) throw new RangeError(`undersegmentationError: groundTruth.labels[${p}] is ${gt[p]}; labels must be ≥ 0`);
    segments = Math.max(segments, sp[p] + 1);
    if (gt[p] !== options.ignoreIndex) regions = Math.max(regions, gt[p] + 1);
  }
  const overlap = new Float64Array(segments * regions);
  const sizes = new Float64Array(segments);
  let n = 0;
  for (let p = 0; p < sp.length; p++) {
    if (gt[p] === options.ignoreIndex) continue;
    overlap[sp[p] * regions + gt[p]]++;
    sizes[sp[p]]++;
    n++;
  }
  if (n === 0) return NaN;
  let error = 0;
  for (let s = 0; s < segments; s++) {
    for (let g = 0; g < regions; g++) {
      const inside = overlap[s * regions + g];
      if (inside > 0) error += Math.min(inside, sizes[s] - inside);
    }
  }
  return error / n;
}
