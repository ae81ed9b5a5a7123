/**
 * Surfaces (contours) of binary masks and the distances between them, the basis of Hausdorff
 * distance, HD95 and ASSD.
 */
import { distanceTransform, gridSteps, type Grid } from "./distance-transform.js";

/**
 * Foreground pixels (voxels) with a 4-neighbour (6-neighbour in a volume) that is background or
 * outside the grid, so an object touching the border has a surface along it: scipy's
 * binary_erosion with its default cross, as medpy and MONAI use it.
 */
export function surface(mask: ArrayLike<number | boolean>, grid: Grid): Uint8Array {
  const { width: w, height: h } = grid;
  const { depth } = gridSteps(grid, mask.length);
  const plane = w * h;
  const out = new Uint8Array(plane * depth);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = z * plane + y * w + x;
        if (!mask[i]) continue;
        const inPlane = x > 0 && x < w - 1 && y > 0 && y < h - 1 && mask[i - 1] && mask[i + 1] && mask[i - w] && mask[i + w];
        const acrossSlices = depth === 1 || (z > 0 && z < depth - 1 && mask[i - plane] && mask[i + plane]);
        if (!(inPlane && acrossSlices)) out[i] = 1;
      }
    }
  }
  return out;
}

/**
 * Distance from every surface pixel of `from` to the nearest surface pixel of `to`, in surface
 * pixel order (row-major). Empty when `from` is empty; all Infinity when only `to` is.
 */
export function directedSurfaceDistances(
  from: ArrayLike<number | boolean>,
  to: ArrayLike<number | boolean>,
  grid: Grid,
): Float64Array {
  const source = surface(from, grid);
  const toTarget = distanceTransform(surface(to, grid), grid);
  const out: number[] = [];
  for (let i = 0; i < source.length; i++) if (source[i]) out.push(toTarget[i]);
  return Float64Array.from(out);
}
