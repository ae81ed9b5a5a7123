/**
 * Small-region removal: every connected region under `minSize` pixels takes the label it shares the
 * longest border with (ties: the smaller label), smallest regions first, repeated until none is
 * left that has a neighbour. The image's only region stays whatever its size.
 */
import { connectedComponents } from "./connected-components.js";
import { checkInteger, checkLabelMap, type LabelMap } from "./image.js";
import { Neighbourhood, type Connectivity } from "./neighbours.js";

export function removeSmallRegions(map: LabelMap, options: { minSize: number; connectivity?: Connectivity }): LabelMap {
  checkLabelMap("removeSmallRegions", "map", map);
  checkInteger("removeSmallRegions", "minSize", options.minSize, 0);
  const connectivity = options.connectivity ?? 4;
  const { width, height } = map;
  const neighbours = new Neighbourhood("removeSmallRegions", width, height, connectivity);
  const labels = Int32Array.from(map.labels);
  for (;;) {
    const components = connectedComponents({ width, height, labels }, { connectivity });
    const small: number[] = [];
    for (let c = 0; c < components.count; c++) if (components.sizes[c] < options.minSize) small.push(c);
    if (small.length === 0 || components.count === 1) break;
    small.sort((a, b) => components.sizes[a] - components.sizes[b] || a - b);
    // Pixels grouped by component (counting sort), to visit one small region's pixels at a time.
    const first = new Int32Array(components.count + 1);
    for (let p = 0; p < labels.length; p++) first[components.labels[p] + 1]++;
    for (let c = 0; c < components.count; c++) first[c + 1] += first[c];
    const pixels = new Int32Array(labels.length);
    const fill = first.slice(0, components.count);
    for (let p = 0; p < labels.length; p++) pixels[fill[components.labels[p]]++] = p;
    let changed = false;
    const border = new Map<number, number>();
    for (const c of small) {
      border.clear();
      for (let i = first[c]; i < first[c + 1]; i++) {
        const p = pixels[i];
        const x = p % width;
        const y = (p - x) / width;
        for (let k = 0; k < neighbours.count; k++) {
          const q = neighbours.at(x, y, k);
          if (q >= 0 && components.labels[q] !== c) border.set(labels[q], (border.get(labels[q]) ?? 0) + 1);
        }
      }
      let best = labels[pixels[first[c]]];
      let bestLength = 0;
      for (const [label, length] of border) {
        if (length > bestLength || (length === bestLength && label < best)) {
          best = label;
          bestLength = length;
        }
      }
      if (bestLength === 0) continue;
      for (let i = first[c]; i < first[c + 1]; i++) labels[pixels[i]] = best;
      changed = true;
    }
    if (!changed) break;
  }
  return { width, height, labels };
}
