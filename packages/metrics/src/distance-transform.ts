/**
 * Exact Euclidean distance transform in linear time (Felzenszwalb & Huttenlocher, "Distance
 * Transforms of Sampled Functions", 2012): a 1-D lower envelope of parabolas along columns, then
 * along rows (and, for volumes, along slices first). Pixel or voxel spacing makes distances physical
 * (e.g. millimetres for anisotropic scans).
 * Exported for the boundary losses as well as the distance metrics.
 */

export interface Grid {
  width: number;
  height: number;
  /** Slices of a volume (index = (slice × height + row) × width + column); 1 (an image) by default. */
  depth?: number;
  /**
   * Size of a pixel as [row step, column step], or of a voxel as [slice step, row step, column
   * step]; 1 along each axis by default.
   */
  spacing?: readonly [number, number] | readonly [number, number, number];
}

/** The grid's size and steps as [depth, height, width] and [slice, row, column] steps, checked. */
export function gridSteps(grid: Grid, length: number): { depth: number; steps: [number, number, number] } {
  const { width: w, height: h } = grid;
  const depth = grid.depth ?? 1;
  const spacing = grid.spacing ?? (depth === 1 ? [1, 1] : [1, 1, 1]);
  if (length !== w * h * depth) {
    const size = depth === 1 ? `${w}×${h}` : `${w}×${h}×${depth}`;
    throw new RangeError(`mask has ${length} ${depth === 1 ? "pixels" : "voxels"}, expected ${size} = ${w * h * depth}`);
  }
  const steps: [number, number, number] = spacing.length === 3 ? [spacing[0], spacing[1], spacing[2]] : [1, spacing[0], spacing[1]];
  if (spacing.length === 2 && depth !== 1) throw new RangeError(`a volume of depth ${depth} needs 3 spacings, got [${spacing.join(", ")}]`);
  if (!steps.every((s) => s > 0)) throw new RangeError(`spacing must be positive, got [${spacing.join(", ")}]`);
  return { depth, steps };
}

/**
 * Squared distance from every pixel to the nearest pixel where `features` is non-zero;
 * Infinity everywhere when there is none.
 */
export function squaredDistanceTransform(features: ArrayLike<number | boolean>, grid: Grid): Float64Array {
  const { width: w, height: h } = grid;
  const { depth, steps: [sz, sy, sx] } = gridSteps(grid, features.length);
  const plane = w * h;
  const d = new Float64Array(plane * depth);
  for (let i = 0; i < d.length; i++) d[i] = features[i] ? 0 : Infinity;
  const n = Math.max(w, h, depth);
  const scratch = { f: new Float64Array(n), out: new Float64Array(n), v: new Int32Array(n), z: new Float64Array(n + 1) };
  if (depth > 1) for (let i = 0; i < plane; i++) envelope(d, i, plane, depth, sz, scratch);
  for (let z = 0; z < depth; z++) {
    for (let x = 0; x < w; x++) envelope(d, z * plane + x, w, h, sy, scratch);
    for (let y = 0; y < h; y++) envelope(d, z * plane + y * w, 1, w, sx, scratch);
  }
  return d;
}

/** Distance (not squared) to the nearest non-zero pixel of `features`. */
export function distanceTransform(features: ArrayLike<number | boolean>, grid: Grid): Float64Array {
  const d = squaredDistanceTransform(features, grid);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

interface Scratch {
  f: Float64Array;
  out: Float64Array;
  v: Int32Array;
  z: Float64Array;
}

/**
 * One line of `len` samples starting at `start` with stride `stride`, `step` apart: replaces f(q)
 * by min_p (step·(q − p))² + f(p). Samples at Infinity are never parabola vertices.
 */
function envelope(d: Float64Array, start: number, stride: number, len: number, step: number, s: Scratch): void {
  const { f, out, v, z } = s;
  for (let q = 0; q < len; q++) f[q] = d[start + q * stride];
  // v holds the positions of the parabolas on the lower envelope, z the boundaries between them.
  let k = -1;
  for (let q = 0; q < len; q++) {
    if (f[q] === Infinity) continue;
    const pq = q * step;
    let cross = -Infinity;
    while (k >= 0) {
      const pv = v[k] * step;
      cross = (f[q] + pq * pq - (f[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (cross > z[k]) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : cross;
    z[k + 1] = Infinity;
  }
  if (k < 0) return; // no finite sample: the line stays at Infinity
  let j = 0;
  for (let q = 0; q < len; q++) {
    const x = q * step;
    while (z[j + 1] < x) j++;
    const dx = x - v[j] * step;
    out[q] = dx * dx + f[v[j]];
  }
  for (let q = 0; q < len; q++) d[start + q * stride] = out[q];
}
