/**
 * SLIC's first assignment step without scanning windows. The centres start on a grid of whole
 * pixels with colour 0 (as skimage's do), so every centre is the same colour distance from a pixel,
 * and the nearest centre is the grid point nearest in y and in x, ties to the lower row and then
 * column, as the index order breaks them. That holds in floating point while a whole-number
 * difference in dy² + dx², times the spatial weight, survives adding the colour term (checked), and
 * where each pixel lies in its nearest centre's window (checked). When a check fails the labels
 * written so far are only a start for the full step, which is exact from any start.
 */
import { regularGrid, seedCount, type GridAxis } from "./regular-grid.js";
import { centreDistance, inWindow, placeWindows, type AssignmentOptions, type AssignmentState } from "./slic-assignment.js";

export interface SeedGrid {
  y: GridAxis;
  x: GridAxis;
  rows: number;
  cols: number;
}

/** The grid of about `n` seeds SLIC starts from (skimage's regular_grid). */
export function seedGrid(height: number, width: number, n: number): SeedGrid {
  const { y, x } = regularGrid(height, width, n);
  return { y, x, rows: seedCount(y, height), cols: seedCount(x, width) };
}

/** Centres (y, x, colour…) at the seeds, colour 0 as skimage starts them. */
export function seedCentres({ y, x, rows, cols }: SeedGrid, channels: number): Float64Array {
  const stride = 2 + channels;
  const centres = new Float64Array(rows * cols * stride);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      centres[(r * cols + c) * stride] = y.start + r * y.step;
      centres[(r * cols + c) * stride + 1] = x.start + c * x.step;
    }
  }
  return centres;
}

/** Labels and distances of the first step, as assignPixels would give them; false when the shortcut is not exact here. */
export function assignToNearestSeed(state: AssignmentState, grid: SeedGrid, o: AssignmentOptions): boolean {
  placeWindows(state, o);
  const { feature, width, height, channels, centres, colourScale, labels, distance, windows } = state;
  const row = nearestSeeds(grid.y, grid.rows, height);
  const col = nearestSeeds(grid.x, grid.cols, width);
  let largest = 0;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const s = row[y] * grid.cols + col[x];
      if (!inWindow(windows, s, y, x)) return false;
      labels[p] = s;
      distance[p] = centreDistance(feature, channels, centres, colourScale, s, p, y, x, o.spatialWeight);
      if (distance[p] > largest) largest = distance[p];
    }
  }
  // Distinct sums dy² + dx² differ by ≥ spatialWeight; rounding the distances moves them by < 2⁻⁵² of the largest each.
  return o.spatialWeight > largest * 2 ** -48;
}

/** For each position along an axis, the index of the nearest seed (the lower one on a tie). */
function nearestSeeds(axis: GridAxis, count: number, length: number): Int32Array {
  const nearest = new Int32Array(length);
  for (let v = 0; v < length; v++) {
    let i = Math.min(count - 1, Math.max(0, Math.floor((v - axis.start) / axis.step)));
    if (i + 1 < count && Math.abs(axis.start + (i + 1) * axis.step - v) < Math.abs(axis.start + i * axis.step - v)) i++;
    nearest[v] = i;
  }
  return nearest;
}
