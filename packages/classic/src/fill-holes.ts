/**
 * Hole filling: the regions of pixels other than `label` that do not touch the image border (holes
 * in `label`'s regions) take `label`, as scipy.ndimage.binary_fill_holes does for a mask. Holes are
 * connected 4-wise by default (scipy's default structure); `maxSize` leaves larger holes alone.
 */
import { checkInteger, checkLabelMap, type LabelMap } from "./image.js";
import { Neighbourhood, type Connectivity } from "./neighbours.js";

export interface FillHolesOptions {
  /** The label whose holes are filled (default 1, a binary mask's foreground). */
  label?: number;
  /** Connectivity of the holes (default 4). */
  connectivity?: Connectivity;
  /** Fill only holes of at most this many pixels (default: all). */
  maxSize?: number;
}

export function fillHoles(map: LabelMap, options: FillHolesOptions = {}): LabelMap {
  checkLabelMap("fillHoles", "map", map);
  const label = options.label ?? 1;
  const maxSize = options.maxSize ?? Infinity;
  if (maxSize !== Infinity) checkInteger("fillHoles", "maxSize", maxSize, 0);
  const { width, height } = map;
  const neighbours = new Neighbourhood("fillHoles", width, height, options.connectivity ?? 4);
  const labels = Int32Array.from(map.labels);
  const seen = new Uint8Array(labels.length);
  const region = new Int32Array(labels.length);
  for (let start = 0; start < labels.length; start++) {
    if (seen[start] || labels[start] === label) continue;
    // Flood the region of non-`label` pixels from here; `region` doubles as the stack.
    let size = 0;
    let touchesBorder = false;
    region[size++] = start;
    seen[start] = 1;
    for (let head = 0; head < size; head++) {
      const p = region[head];
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesBorder = true;
      for (let k = 0; k < neighbours.count; k++) {
        const q = neighbours.at(x, y, k);
        if (q < 0) continue;
        if (!seen[q] && labels[q] !== label) {
          seen[q] = 1;
          region[size++] = q;
        }
      }
    }
    if (!touchesBorder && size <= maxSize) for (let i = 0; i < size; i++) labels[region[i]] = label;
  }
  return { width, height, labels };
}
