import { checkInteger, type LabelMap } from "./image.js";
import { regularGrid, seedCount } from "./regular-grid.js";

/** About `n` single-pixel markers 1, 2, … on a regular grid, row by row (skimage.util.regular_seeds). */
export function regularSeeds(width: number, height: number, n: number): LabelMap {
  checkInteger("regularSeeds", "n", n, 1, width * height);
  const grid = regularGrid(height, width, n);
  const labels = new Int32Array(width * height);
  let next = 1;
  for (let r = 0; r < seedCount(grid.y, height); r++) {
    for (let c = 0; c < seedCount(grid.x, width); c++) labels[(grid.y.start + r * grid.y.step) * width + grid.x.start + c * grid.x.step] = next++;
  }
  return { width, height, labels };
}
