// Comparing two models' label maps of one image: the pixels where their classes differ, shown in
// red over the dimmed image, and their share of the image.
import type { IndexMap } from "./png-indices.js";

export interface Disagreement {
  /** 1 where the two label maps differ. */
  mask: Uint8Array;
  pixels: number;
  fraction: number;
}

export function disagreement(a: IndexMap, b: IndexMap): Disagreement {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`the two label maps differ in size: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  const mask = new Uint8Array(a.data.length);
  let pixels = 0;
  for (let p = 0; p < mask.length; p++) {
    if (a.data[p] !== b.data[p]) {
      mask[p] = 1;
      pixels++;
    }
  }
  return { mask, pixels, fraction: pixels / mask.length };
}

/** The colour of a disagreeing pixel; agreeing ones show the image at a third of its brightness. */
export const DISAGREEING: readonly [number, number, number] = [255, 0, 64];

export function drawDisagreement(canvas: HTMLCanvasElement, original: ImageData, { mask }: Disagreement): void {
  const view = new ImageData(original.width, original.height);
  for (let p = 0; p < mask.length; p++) {
    for (let ch = 0; ch < 3; ch++) view.data[4 * p + ch] = mask[p] ? DISAGREEING[ch] : Math.round(original.data[4 * p + ch] / 3);
    view.data[4 * p + 3] = 255;
  }
  canvas.getContext("2d")!.putImageData(view, 0, 0);
}
