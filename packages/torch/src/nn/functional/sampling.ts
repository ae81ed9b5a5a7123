// Spatial rearrangement and sampling: pixel (un)shuffle, unfold/fold (im2col), grid sampling.
import type { Tensor } from "../../tensor.js";
import { affineGridGenerator, col2im, gridSampler, im2col, pixelShuffle, pixelUnshuffle } from "../../generated/ops.js";
import { tuple } from "../check.js";

export { pixelShuffle, pixelUnshuffle };

export interface PatchOptions {
  dilation?: number | number[];
  padding?: number | number[];
  stride?: number | number[];
}

/** Sliding (kernel) patches of (N, C, H, W) as columns: (N, C·kh·kw, L). */
export function unfold(input: Tensor, kernelSize: number | number[], { dilation = 1, padding = 0, stride = 1 }: PatchOptions = {}): Tensor {
  if (input.ndim !== 4) throw new RangeError(`unfold: expected input of shape (N, C, H, W), got [${input.shape}]`);
  return im2col(input, tuple(kernelSize, 2, "unfold kernelSize"), tuple(dilation, 2, "unfold dilation"),
    tuple(padding, 2, "unfold padding"), tuple(stride, 2, "unfold stride"));
}

/** The inverse arrangement of unfold (overlapping values are summed) into (N, C, outputSize). */
export function fold(input: Tensor, outputSize: number | number[], kernelSize: number | number[], { dilation = 1, padding = 0, stride = 1 }: PatchOptions = {}): Tensor {
  if (input.ndim !== 3 && input.ndim !== 2) throw new RangeError(`fold: expected input of shape (N, C·kh·kw, L), got [${input.shape}]`);
  return col2im(input, tuple(outputSize, 2, "fold outputSize"), tuple(kernelSize, 2, "fold kernelSize"), tuple(dilation, 2, "fold dilation"),
    tuple(padding, 2, "fold padding"), tuple(stride, 2, "fold stride"));
}

export interface GridSampleOptions {
  mode?: "bilinear" | "nearest" | "bicubic";
  paddingMode?: "zeros" | "border" | "reflection";
  alignCorners?: boolean;
}

const SAMPLE_MODES = { bilinear: 0, nearest: 1, bicubic: 2 };
const SAMPLE_PADDING = { zeros: 0, border: 1, reflection: 2 };

/** Samples (N, C, H, W) at the normalised [-1, 1] (x, y) positions of grid (N, Ho, Wo, 2). */
export function gridSample(input: Tensor, grid: Tensor, { mode = "bilinear", paddingMode = "zeros", alignCorners = false }: GridSampleOptions = {}): Tensor {
  if (!(mode in SAMPLE_MODES)) throw new RangeError(`gridSample: unknown mode "${mode}"`);
  if (!(paddingMode in SAMPLE_PADDING)) throw new RangeError(`gridSample: unknown paddingMode "${paddingMode}"`);
  if (grid.ndim !== input.ndim || grid.shape[0] !== input.shape[0] || grid.shape[grid.ndim - 1] !== input.ndim - 2) {
    throw new RangeError(`gridSample: grid [${grid.shape}] does not fit input [${input.shape}]: expected (N, Ho, Wo, 2) with N = ${input.shape[0]}`);
  }
  return gridSampler(input, grid, SAMPLE_MODES[mode], SAMPLE_PADDING[paddingMode], alignCorners);
}

/** The sampling grid of the affine transforms theta (N, 2, 3) for an output of `size` (N, C, H, W). */
export function affineGrid(theta: Tensor, size: number[], alignCorners = false): Tensor {
  return affineGridGenerator(theta, size, alignCorners);
}
