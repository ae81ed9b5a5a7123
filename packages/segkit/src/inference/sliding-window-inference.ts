// Patch-based sliding-window inference over images or volumes as MONAI's sliding_window_inference
// does it: windows of `roi` every roi × (1 − overlap) voxels (the last one shifted back to end at the
// border; an input smaller than the window padded with zeros around it), the window outputs blended
// with a constant or Gaussian importance map (σ = sigmaScale × window side) and divided by the
// summed importance.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface SlidingWindowOptions {
  /** Fraction of a window shared with the next one along each axis, in [0, 1); MONAI's default 0.25. */
  overlap?: number;
  /** "constant" weighs every voxel of a window the same; "gaussian" weighs its centre more. */
  mode?: "constant" | "gaussian";
  /** σ of the Gaussian as a fraction of the window side (MONAI: 0.125). */
  sigmaScale?: number;
}

/** Window start offsets along one axis (MONAI's dense_patch_slices). */
function windowStarts(size: number, roi: number, interval: number): number[] {
  const count = Array.from({ length: Math.ceil(size / interval) }, (_, d) => d).find((d) => d * interval + roi >= size) ?? 0;
  return Array.from({ length: count + 1 }, (_, i) => i * interval - Math.max(i * interval + roi - size, 0));
}

/** The importance of each voxel of a window of `roi`: ones, or a separable Gaussian clamped at ≥ 1e-3. */
function importanceMap(roi: number[], mode: "constant" | "gaussian", sigmaScale: number): Tensor {
  if (mode === "constant") return torch.ones(roi);
  return torch.tidy(() => {
    let map: Tensor | null = null;
    roi.forEach((side, axis) => {
      const sigma = side * sigmaScale;
      const values = Array.from({ length: side }, (_, i) => Math.exp(-((i - (side - 1) / 2) ** 2) / (2 * sigma * sigma)));
      const shape = roi.map((_, k) => (k === axis ? side : 1));
      const line = torch.tensor(Float32Array.from(values)).reshape(shape);
      map = map === null ? line : map.mul(line);
    });
    const full = map!;
    return full.clamp(Math.max(full.min().item(), 1e-3));
  });
}

/**
 * The blended output (N, C', ...spatial) of `predictor` over windows of `roi` across `x` (N, C,
 * ...spatial); `predictor` must return (N, C', ...roi) for a (N, C, ...roi) window.
 */
export function slidingWindowInference(x: Tensor, roi: number[], predictor: (window: Tensor) => Tensor, options: SlidingWindowOptions = {}): Tensor {
  const { overlap = 0.25, mode = "constant", sigmaScale = 0.125 } = options;
  const spatial = x.shape.slice(2);
  if (roi.length !== spatial.length || !roi.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new RangeError(`slidingWindowInference: roi must be ${spatial.length} positive integers (one per spatial axis of [${x.shape.join(", ")}]), got [${roi.join(", ")}]`);
  }
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`slidingWindowInference: overlap must be in [0, 1), got ${overlap}`);
  if (mode !== "constant" && mode !== "gaussian") throw new RangeError(`slidingWindowInference: mode must be "constant" or "gaussian", got ${JSON.stringify(mode)}`);
  return torch.tidy(() => torch.noGrad(() => {
    // Pad an input smaller than the window, half before and half after (F.pad lists the last axis first).
    const before = spatial.map((s, i) => Math.floor(Math.max(roi[i] - s, 0) / 2));
    const after = spatial.map((s, i) => Math.max(roi[i] - s, 0) - before[i]);
    const pads = spatial.map((_, i) => [before[i], after[i]]).reverse().flat();
    const input = pads.some((p) => p > 0) ? torch.constantPadNd(x, pads, 0) : x;
    const size = input.shape.slice(2);
    const interval = size.map((s, i) => (roi[i] === s ? roi[i] : Math.max(Math.floor(roi[i] * (1 - overlap)), 1)));
    const starts = size.map((s, i) => windowStarts(s, roi[i], interval[i]));
    const importance = importanceMap(roi, mode, sigmaScale);
    const weight = torch.zeros([1, 1, ...size]);
    let sum: Tensor | null = null;
    const region = (t: Tensor, corner: number[]) => corner.reduce((view, start, i) => view.slice(2 + i, start, start + roi[i]), t);
    // The sum is made at the first output (its channels are known then) and kept out of the windows' scopes.
    let blended: Tensor;
    try {
      for (const corner of cartesian(starts)) {
        torch.tidy(() => {
          const out = predictor(region(input, corner));
          const wanted = [x.shape[0], out.shape[1], ...roi];
          if (out.shape.join() !== wanted.join()) throw new RangeError(`slidingWindowInference: the predictor returned [${out.shape.join(", ")}] for a window of [${roi.join(", ")}]`);
          sum ??= torch.keep(torch.zeros([x.shape[0], out.shape[1], ...size]));
          region(sum, corner).add_(out.mul(importance));
          region(weight, corner).add_(importance);
        });
      }
      blended = sum!.div(weight);
    } finally {
      (sum as Tensor | null)?.dispose();
    }
    // Crop the padding back off.
    return spatial.reduce((t, s, i) => t.slice(2 + i, before[i], before[i] + s), blended);
  }));
}

function cartesian(axes: number[][]): number[][] {
  return axes.reduce<number[][]>((acc, values) => acc.flatMap((prefix) => values.map((v) => [...prefix, v])), [[]]);
}
