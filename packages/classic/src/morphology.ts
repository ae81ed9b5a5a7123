/**
 * Morphology of one label's regions in a label map: dilate, erode, open (erode then dilate) and
 * close (dilate then erode) with a square or diamond structuring element of a given radius. Pixels
 * the operation adds take `label`; pixels it removes take `fill`; others keep their label. Outside
 * the image neither grows nor erodes anything (skimage.morphology's binary_* convention).
 */
import { checkInteger, checkLabelMap, type LabelMap } from "./image.js";

export type MorphologyOperation = "dilate" | "erode" | "open" | "close";

export interface MorphologyOptions {
  operation: MorphologyOperation;
  /** The label whose regions change (default 1, a binary mask's foreground). */
  label?: number;
  /** Element radius in pixels (default 1: 3×3 square or a 4-neighbour cross). */
  radius?: number;
  /** "square" (default, Chebyshev ball) or "diamond" (city-block ball). */
  element?: "square" | "diamond";
  /** Label given to removed pixels (default 0). */
  fill?: number;
}

/** Max filter along lines: out[i] = 1 when any of the ±radius neighbours along the line is set. */
function dilateLines(src: Uint8Array, dst: Uint8Array, lines: number, length: number, lineStep: number, step: number, radius: number): void {
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    let count = 0; // set pixels in the window [i - radius, i + radius]
    for (let i = 0; i < Math.min(radius, length); i++) count += src[base + i * step];
    for (let i = 0; i < length; i++) {
      if (i + radius < length) count += src[base + (i + radius) * step];
      if (i - radius - 1 >= 0) count -= src[base + (i - radius - 1) * step];
      dst[base + i * step] = count > 0 ? 1 : 0;
    }
  }
}

function dilateSquare(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  dilateLines(mask, rows, height, width, width, 1, radius);
  const out = new Uint8Array(mask.length);
  dilateLines(rows, out, width, height, 1, width, radius);
  return out;
}

function dilateDiamond(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  let current = mask;
  for (let r = 0; r < radius; r++) {
    const next = Uint8Array.from(current);
    for (let y = 0, p = 0; y < height; y++) {
      for (let x = 0; x < width; x++, p++) {
        if (next[p]) continue;
        next[p] = (x > 0 && current[p - 1]) || (x + 1 < width && current[p + 1]) || (y > 0 && current[p - width]) || (y + 1 < height && current[p + width]) ? 1 : 0;
      }
    }
    current = next;
  }
  return current === mask ? Uint8Array.from(mask) : current;
}

/** The binary dilation of a width×height 0/1 mask by a square or diamond of `radius`. */
export function dilateMask(mask: Uint8Array, width: number, height: number, radius: number, element: "square" | "diamond"): Uint8Array {
  return element === "square" ? dilateSquare(mask, width, height, radius) : dilateDiamond(mask, width, height, radius);
}

/** Erosion as the complement of the complement's dilation: outside counts as set. */
function erode(mask: Uint8Array, width: number, height: number, radius: number, element: "square" | "diamond"): Uint8Array {
  const complement = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) complement[i] = mask[i] ? 0 : 1;
  const grown = dilateMask(complement, width, height, radius, element);
  for (let i = 0; i < grown.length; i++) grown[i] = grown[i] ? 0 : 1;
  return grown;
}

export function labelMorphology(map: LabelMap, options: MorphologyOptions): LabelMap {
  checkLabelMap("labelMorphology", "map", map);
  const { operation } = options;
  const label = options.label ?? 1;
  const radius = options.radius ?? 1;
  const element = options.element ?? "square";
  const fill = options.fill ?? 0;
  checkInteger("labelMorphology", "radius", radius, 0);
  if (element !== "square" && element !== "diamond") throw new RangeError(`labelMorphology: element must be "square" or "diamond", got ${String(element)}`);
  const { width, height, labels } = map;
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) mask[i] = labels[i] === label ? 1 : 0;
  let result: Uint8Array;
  if (operation === "dilate") result = dilateMask(mask, width, height, radius, element);
  else if (operation === "erode") result = erode(mask, width, height, radius, element);
  else if (operation === "open") result = dilateMask(erode(mask, width, height, radius, element), width, height, radius, element);
  else if (operation === "close") result = erode(dilateMask(mask, width, height, radius, element), width, height, radius, element);
  else throw new RangeError(`labelMorphology: operation must be dilate, erode, open or close, got ${String(operation)}`);
  const out = Int32Array.from(labels);
  for (let i = 0; i < out.length; i++) {
    if (result[i] && !mask[i]) out[i] = label;
    else if (!result[i] && mask[i]) out[i] = fill;
  }
  return { width, height, labels: out };
}
