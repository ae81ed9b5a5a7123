/**
 * Seeds on a regular grid, as skimage.util.regular_grid places them for a 2-D image: about `n`
 * points, the same step along both axes unless an axis is shorter than the step, the first seed
 * half a step in. Rounding as numpy does it (steps round half to even, starts floor).
 */
import { roundHalfEven } from "./round-half-even.js";

export interface GridAxis {
  start: number;
  step: number;
}

/** The y and x axes of the grid of about `n` seeds on a height×width image. */
export function regularGrid(height: number, width: number, n: number): { y: GridAxis; x: GridAxis } {
  if (height * width <= n) return { y: { start: 0, step: 1 }, x: { start: 0, step: 1 } };
  const sorted = height <= width ? [height, width] : [width, height];
  const steps = [Math.pow((height * width) / n, 0.5), Math.pow((height * width) / n, 0.5)];
  if (sorted[0] < steps[0] || sorted[1] < steps[1]) {
    // The short axis cannot hold a step: one seed row across it, the rest along the long axis.
    steps[0] = sorted[0];
    steps[1] = sorted[1] / n;
  }
  const axes = steps.map((s) => ({ start: Math.floor(s / 2), step: roundHalfEven(s) }));
  return height <= width ? { y: axes[0], x: axes[1] } : { y: axes[1], x: axes[0] };
}

/** How many seeds an axis of `length` samples holds. */
export function seedCount(axis: GridAxis, length: number): number {
  return Math.ceil((length - axis.start) / axis.step);
}
