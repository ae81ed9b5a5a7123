/**
 * Seeded region growing (Adams & Bischof, 1994): regions start at the seed pixels; the unlabelled
 * pixel next to a region whose value is closest to that region's mean joins it next, and the mean
 * follows. A pixel's distance is taken when it is queued (the mean may have moved since); ties go
 * to the earlier-queued pixel. Pixels farther than `maxDistance` from every adjacent region stay 0.
 */
import { checkImage, checkLabelMap, checkNumber, checkSameSize, type Image, type LabelMap } from "./image.js";
import { Neighbourhood, type Connectivity } from "./neighbours.js";
import { PixelQueue } from "./priority-queue.js";

export interface RegionGrowingOptions {
  /** 4 (default) or 8. */
  connectivity?: Connectivity;
  /** Largest Euclidean distance between a pixel and a region's mean for it to join (default ∞). */
  maxDistance?: number;
}

/** Grows the regions of `seeds` (labels > 0; 0 = unlabelled) over `image`. */
export function regionGrowing(image: Image, seeds: LabelMap, options: RegionGrowingOptions = {}): LabelMap {
  checkImage("regionGrowing", "image", image);
  checkLabelMap("regionGrowing", "seeds", seeds);
  checkSameSize("regionGrowing", image, "image", seeds, "seeds");
  const maxDistance = options.maxDistance ?? Infinity;
  if (maxDistance !== Infinity) checkNumber("regionGrowing", "maxDistance", maxDistance, 0);
  const { width, height, channels: d, data } = image;
  const neighbours = new Neighbourhood("regionGrowing", width, height, options.connectivity ?? 4);
  let regions = 0;
  for (let p = 0; p < seeds.labels.length; p++) {
    const s = seeds.labels[p];
    if (s < 0) throw new RangeError(`regionGrowing: seeds.labels[${p}] is ${s}; seeds must be ≥ 0`);
    if (s > regions) regions = s;
  }
  const sums = new Float64Array((regions + 1) * d);
  const counts = new Float64Array(regions + 1);
  const out = Int32Array.from(seeds.labels);
  for (let p = 0; p < out.length; p++) {
    const r = out[p];
    if (r === 0) continue;
    counts[r]++;
    for (let j = 0; j < d; j++) sums[r * d + j] += data[p * d + j];
  }
  const distance = (p: number, r: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[p * d + j] - sums[r * d + j] / counts[r];
      s += t * t;
    }
    return Math.sqrt(s);
  };
  const queue = new PixelQueue(width * height);
  let age = 0;
  const queueNeighbours = (p: number, r: number): void => {
    const x = p % width;
    const y = (p - x) / width;
    for (let k = 0; k < neighbours.count; k++) {
      const q = neighbours.at(x, y, k);
      if (q < 0 || out[q] !== 0) continue;
      const dist = distance(q, r);
      if (dist <= maxDistance) queue.push(dist, age++, q, r);
    }
  };
  for (let p = 0; p < out.length; p++) if (out[p] !== 0) queueNeighbours(p, out[p]);
  while (queue.size > 0) {
    const p = queue.pop();
    const r = queue.poppedTag;
    if (out[p] !== 0) continue;
    out[p] = r;
    counts[r]++;
    for (let j = 0; j < d; j++) sums[r * d + j] += data[p * d + j];
    queueNeighbours(p, r);
  }
  return { width, height, labels: out };
}
