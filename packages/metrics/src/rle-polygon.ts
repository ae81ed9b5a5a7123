// Polygon and box rasterisation exactly as pycocotools' frPoly/frBbox: the outline is traced on a
// grid 5× finer than the image (vertices rounded there), and a pixel is inside when its centre lies
// below a crossing of the outline in its column. The arithmetic, C's truncating int casts included,
// follows the reference step by step, so masks agree pixel for pixel.
import type { Box, Rle } from "./rle.js";

const SCALE = 5;

/** The mask of one polygon [x0, y0, x1, y1, …] (pixel coordinates, any winding). */
export function rleFromPolygon(xy: ArrayLike<number>, height: number, width: number): Rle {
  const k = Math.floor(xy.length / 2);
  const x: number[] = [], y: number[] = [];
  for (let j = 0; j < k; j++) {
    x.push(Math.trunc(SCALE * xy[2 * j] + 0.5));
    y.push(Math.trunc(SCALE * xy[2 * j + 1] + 0.5));
  }
  x.push(x[0]);
  y.push(y[0]);
  // Every fine-grid point along each edge, from its start vertex to its end vertex.
  const u: number[] = [], v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) [xs, xe, ys, ye] = [xe, xs, ye, ys];
    const slope = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + slope * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + slope * t + 0.5));
      }
    }
  }
  // Where the outline crosses a pixel-centre column: the first pixel below it in that column.
  const starts: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    const xd = ((u[j] < u[j - 1] ? u[j] : u[j] - 1) + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = (Math.min(v[j], v[j - 1]) + 0.5) / SCALE - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : yd > height ? height : yd);
    starts.push(xd * height + yd);
  }
  // Each crossing toggles inside/outside from its pixel on, in column-major order.
  starts.push(height * width);
  starts.sort((a, b) => a - b);
  const steps = starts.map((s, j) => s - (j > 0 ? starts[j - 1] : 0));
  const counts = [steps[0]];
  for (let j = 1; j < steps.length; ) {
    if (steps[j] > 0) counts.push(steps[j++]);
    else {
      j++; // two toggles at one pixel cancel: the runs on either side join
      if (j < steps.length) counts[counts.length - 1] += steps[j++];
    }
  }
  return { size: [height, width], counts };
}

/** The mask of a box [x, y, w, h], rasterised as the polygon of its corners. */
export function rleFromBox([x, y, w, h]: Box, height: number, width: number): Rle {
  return rleFromPolygon([x, y, x, y + h, x + w, y + h, x + w, y], height, width);
}
