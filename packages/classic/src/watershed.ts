/**
 * Marker-based watershed by priority flooding (Meyer), as skimage.segmentation.watershed does it
 * without compactness or watershed lines: marker pixels enter a queue keyed by their value; the
 * first item leaves, and each unlabelled neighbour inside the mask takes its label at once and
 * enters the queue with its own value. Ties pop in order of entry — markers in raster order, then
 * pixels as they are reached; skimage agrees except among equal-valued marker pixels, whose order
 * its heap leaves unspecified. Neighbours: 4- or 8-connected.
 */
import { checkImage, checkLabelMap, checkSameSize, type Image, type LabelMap } from "./image.js";
import { Neighbourhood } from "./neighbours.js";
import { PixelQueue } from "./priority-queue.js";

export interface WatershedOptions {
  /** 4 (skimage's connectivity=1, the default) or 8 (connectivity=2). */
  connectivity?: 4 | 8;
  /** Pixels where the mask is 0 stay unlabelled (0). */
  mask?: Uint8Array;
}

/**
 * Floods `surface` (one channel, e.g. a gradient magnitude) from `markers` (labels > 0 are seeds,
 * 0 unlabelled); returns the labels, 0 only where the mask excludes a pixel or no seed reaches it.
 */
export function watershed(surface: Image, markers: LabelMap, options: WatershedOptions = {}): LabelMap {
  checkImage("watershed", "surface", surface, [1]);
  checkLabelMap("watershed", "markers", markers);
  checkSameSize("watershed", surface, "surface", markers, "markers");
  const { width, height } = surface;
  const mask = options.mask;
  if (mask && mask.length !== width * height) throw new RangeError(`watershed: mask has ${mask.length} entries, expected ${width}×${height} = ${width * height}`);
  const neighbours = new Neighbourhood("watershed", width, height, options.connectivity ?? 4);
  const values = surface.data;
  const out = new Int32Array(width * height);
  const queue = new PixelQueue(width * height);
  let age = 0;
  for (let p = 0; p < out.length; p++) {
    const m = markers.labels[p];
    if (m < 0) throw new RangeError(`watershed: markers.labels[${p}] is ${m}; markers must be ≥ 0`);
    if (m > 0 && (!mask || mask[p])) {
      out[p] = m;
      queue.push(values[p], age++, p);
    }
  }
  while (queue.size > 0) {
    const p = queue.pop();
    const x = p % width;
    const y = (p - x) / width;
    for (let k = 0; k < neighbours.count; k++) {
      const q = neighbours.at(x, y, k);
      if (q < 0 || out[q] !== 0 || (mask && !mask[q])) continue;
      out[q] = out[p];
      queue.push(values[q], age++, q);
    }
  }
  return { width, height, labels: out };
}
