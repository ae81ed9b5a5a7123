// What a prediction gives besides its label map, computed once for `segkit predict` (files) and
// `segkit serve` (HTTP replies): the class colours blended over the image, and pixels per class.
import type { Rgb } from "../data/types.js";

/** H×W×3 RGB: each pixel's class colour blended over the image's pixel with weight `alpha`. */
export function blendOverlay(rgb: Uint8Array, labels: Uint8Array | Uint16Array, palette: readonly Rgb[], alpha = 0.5): Uint8Array {
  const overlay = new Uint8Array(labels.length * 3);
  for (let p = 0; p < labels.length; p++) {
    const c = palette[labels[p]];
    for (let k = 0; k < 3; k++) overlay[p * 3 + k] = Math.round((1 - alpha) * rgb[p * 3 + k] + alpha * c[k]);
  }
  return overlay;
}

/** Pixels per class index. */
export function classPixelCounts(labels: Uint8Array | Uint16Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let p = 0; p < labels.length; p++) counts[labels[p]]++;
  return counts;
}
