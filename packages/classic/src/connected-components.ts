/**
 * Connected components of a label map: maximal 4- or 8-connected sets of pixels with the same
 * label, numbered 0..count-1 in order of their first pixel in raster order.
 */
import { checkLabelMap, type LabelMap } from "./image.js";
import { Neighbourhood, type Connectivity } from "./neighbours.js";

export interface Components extends LabelMap {
  count: number;
  /** Pixels per component. */
  sizes: Int32Array;
}

export function connectedComponents(map: LabelMap, options: { connectivity?: Connectivity } = {}): Components {
  checkLabelMap("connectedComponents", "map", map);
  const { width, height, labels } = map;
  const neighbours = new Neighbourhood("connectedComponents", width, height, options.connectivity ?? 4);
  const out = new Int32Array(labels.length).fill(-1);
  const stack = new Int32Array(labels.length);
  const sizes: number[] = [];
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (out[start] >= 0) continue;
    const label = labels[start];
    let top = 0;
    let size = 0;
    stack[top++] = start;
    out[start] = count;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (let k = 0; k < neighbours.count; k++) {
        const q = neighbours.at(x, y, k);
        if (q < 0) continue;
        if (out[q] < 0 && labels[q] === label) {
          out[q] = count;
          stack[top++] = q;
        }
      }
    }
    sizes.push(size);
    count++;
  }
  return { width, height, labels: out, count, sizes: Int32Array.from(sizes) };
}
