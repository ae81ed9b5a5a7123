// interpolate (F.interpolate): resizing by size or scale factor, with the aten upsample kernels.
import type { Tensor } from "../../tensor.js";
import { callOp } from "../../runtime.js";
import { adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveAvgPool3d } from "../../generated/ops.js";

export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area";

export interface InterpolateOptions {
  /** Output spatial size (one number for every dimension, or one each); exclusive with scaleFactor. */
  size?: number | number[];
  scaleFactor?: number | number[];
  mode?: InterpolateMode;
  /** Linear modes only: align the corner pixels' centres (default false). */
  alignCorners?: boolean;
  /** Compute the output size from scaleFactor and resample by that size rather than by the factor. */
  recomputeScaleFactor?: boolean;
}

// Spatial rank each mode needs, and the aten kernel (".vec" overloads take a size or scale factors).
const KERNELS: Record<Exclude<InterpolateMode, "area">, { ranks: number[]; op: string[]; linear: boolean }> = {
  nearest: { ranks: [1, 2, 3], op: ["upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d"], linear: false },
  "nearest-exact": { ranks: [1, 2, 3], op: ["_upsample_nearest_exact1d", "_upsample_nearest_exact2d", "_upsample_nearest_exact3d"], linear: false },
  linear: { ranks: [1], op: ["upsample_linear1d"], linear: true },
  bilinear: { ranks: [2], op: ["", "upsample_bilinear2d"], linear: true },
  bicubic: { ranks: [2], op: ["", "upsample_bicubic2d"], linear: true },
  trilinear: { ranks: [3], op: ["", "", "upsample_trilinear3d"], linear: true },
};

function perDimension(value: number | number[], dims: number, name: string): number[] {
  const list = Array.isArray(value) ? value : Array<number>(dims).fill(value);
  if (list.length !== dims) throw new RangeError(`interpolate: ${name} [${list}] does not match the ${dims} spatial dimensions of the input`);
  return list;
}

/** Resizes (N, C, ...spatial) like torch.nn.functional.interpolate. */
export function interpolate(input: Tensor, { size, scaleFactor, mode = "nearest", alignCorners, recomputeScaleFactor }: InterpolateOptions): Tensor {
  const dims = input.ndim - 2;
  if (dims < 1 || dims > 3) throw new RangeError(`interpolate: expected input of 3 to 5 dimensions (N, C, ...), got [${input.shape}]`);
  if ((size === undefined) === (scaleFactor === undefined)) throw new RangeError("interpolate: give exactly one of size and scaleFactor");
  const kernel = mode === "area" ? null : KERNELS[mode];
  if (kernel === undefined) throw new RangeError(`interpolate: unknown mode "${mode}"`);
  if (alignCorners !== undefined && !kernel?.linear) {
    throw new RangeError(`interpolate: alignCorners only applies to linear, bilinear, bicubic and trilinear modes, not "${mode}"`);
  }
  let outputSize = size === undefined ? null : perDimension(size, dims, "size");
  let scales = scaleFactor === undefined ? null : perDimension(scaleFactor, dims, "scaleFactor");
  if (scales !== null && (recomputeScaleFactor || mode === "area")) {
    outputSize = scales.map((s, i) => Math.floor(input.shape[i + 2] * s));
    scales = null;
  }
  if (kernel === null) {
    const pool = [adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveAvgPool3d][dims - 1];
    return pool(input, outputSize!);
  }
  if (!kernel.ranks.includes(dims)) {
    throw new RangeError(`interpolate: mode "${mode}" needs input of ${kernel.ranks.map((r) => r + 2).join(" or ")} dimensions, got [${input.shape}]`);
  }
  const op = `aten::${kernel.op[dims - 1]}`;
  const args = kernel.linear ? [input, outputSize, alignCorners ?? false, scales] : [input, outputSize, scales];
  return callOp(op, "vec", ...args) as Tensor;
}
