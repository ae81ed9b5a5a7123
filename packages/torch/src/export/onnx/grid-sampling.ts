// The deformable attention's sampling (Mask2Former's pixel decoder): aten::grid_sampler as ONNX's
// GridSample (opset 16), and aten::linspace, whose reference points are numbers known at export
// time, as a constant libtorch computes (so its values are torch's to the last bit).
import { linspace } from "../../generated/ops.js";
import type { RecordedNode } from "../../native.js";
import type { DType } from "../../dtype.js";
import type { GraphBuilder } from "./graph-builder.js";

/** torch's interpolation_mode and padding_mode codes (GridSampler.h), by ONNX's names. */
const MODES = ["bilinear", "nearest", "bicubic"];
const PADDING = ["zeros", "border", "reflection"];

/** aten::grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners) on 4-D inputs. */
export const gridSampler = (b: GraphBuilder, n: RecordedNode): void => {
  const [input, grid, interpolation, padding, alignCorners] = n.inputs;
  if (b.described(input).shape?.length !== 4) throw new Error("export: aten::grid_sampler of a volume (5-D input) has no translation");
  const mode = MODES[b.constant(interpolation) as number];
  const paddingMode = PADDING[b.constant(padding) as number];
  if (mode === undefined || paddingMode === undefined) throw new Error(`export: aten::grid_sampler with modes ${String(b.constant(interpolation))}, ${String(b.constant(padding))} has no translation`);
  b.single(n, "GridSample", [b.tensor(input), b.tensor(grid)], {
    mode: { string: mode }, padding_mode: { string: paddingMode }, align_corners: { int: b.constant(alignCorners) ? 1 : 0 },
  });
};

/** aten::linspace(start, end, steps, dtype, ...): evaluated by libtorch now, an initializer in the file. */
export const linspaceConstant = (b: GraphBuilder, n: RecordedNode): void => {
  const dtype = n.outputs[0].dtype;
  if (!dtype) throw new Error("export: aten::linspace needs the recorded output dtype");
  const [start, end, steps] = n.inputs.slice(0, 3).map((id) => Number(b.constant(id)));
  b.set(n.outputs[0], { tensor: b.initializer(b.fresh("linspace"), linspace(start, end, steps, { dtype: dtype as DType })) });
};
