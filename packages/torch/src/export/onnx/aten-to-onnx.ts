// The translation table: one entry per aten operator, writing the ONNX nodes that compute it
// (opset 17; comparisons and logic in logic.ts, grid sampling in grid-sampling.ts). Arguments that must be known at export time (strides, sizes, flags) are read as constants.
import type { RecordedNode } from "../../native.js";
import type { GraphBuilder } from "./graph-builder.js";
import { floorDivide, remainder } from "./division.js";
import { gridSampler, linspaceConstant } from "./grid-sampling.js";
import { all, comparison, logicalAnd, logicalNot, maskedFill } from "./logic.js";
import { onnxDataType, scalarMessage } from "./proto.js";

export type Translation = (b: GraphBuilder, node: RecordedNode) => void;

const ints = (b: GraphBuilder, id: number): number[] => b.constant(id) as number[];
const int = (b: GraphBuilder, id: number): number => b.constant(id) as number;
const flag = (b: GraphBuilder, id: number): boolean => Boolean(b.constant(id));

/** ONNX pads: all begins, then all ends. */
const symmetricPads = (padding: number[]): number[] => [...padding, ...padding];

function elementwise(op: string): Translation {
  return (b, n) => {
    const dtype = n.outputs[0].dtype ?? "float32";
    b.single(n, op, [b.tensor(n.inputs[0], dtype), b.tensor(n.inputs[1], dtype)]);
  };
}

function unary(op: string): Translation {
  return (b, n) => b.single(n, op, [b.tensor(n.inputs[0])]);
}

/** aten::add/sub(self, other, alpha): alpha must be 1 (the recorded models never scale). */
function withAlpha(op: string): Translation {
  const plain = elementwise(op);
  return (b, n) => {
    if (n.inputs.length > 2 && int(b, n.inputs[2]) !== 1) throw new Error(`export: ${n.kind} with alpha ≠ 1 has no translation`);
    plain(b, n);
  };
}

const identity: Translation = (b, n) => b.set(n.outputs[0], b.get(n.inputs[0]));

/** aten::dropout / feature_dropout(input, p, train): the identity in eval mode. */
const dropout: Translation = (b, n) => {
  if (flag(b, n.inputs[2])) throw new Error(`export: ${n.kind} in training mode; put the model in eval mode before exporting`);
  identity(b, n);
};

/** aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...). */
const convolution: Translation = (b, n) => {
  const [input, weight, bias, stride, padding, dilation, transposed, outputPadding, groups] = n.inputs;
  const weightShape = b.described(weight).shape;
  if (!weightShape) throw new Error("export: aten::_convolution needs the recorded weight shape");
  const inputs = [b.tensor(input), b.tensor(weight)];
  const biasValue = b.get(bias);
  if (!("constant" in biasValue && biasValue.constant === null)) inputs.push(b.tensor(bias));
  const attributes = {
    kernel_shape: { ints: weightShape.slice(2) }, strides: { ints: ints(b, stride) }, pads: { ints: symmetricPads(ints(b, padding)) },
    dilations: { ints: ints(b, dilation) }, group: { int: int(b, groups) },
  };
  if (flag(b, transposed)) b.single(n, "ConvTranspose", inputs, { ...attributes, output_padding: { ints: ints(b, outputPadding) } });
  else b.single(n, "Conv", inputs, attributes);
};

/** aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn). */
const batchNorm: Translation = (b, n) => {
  const [input, weight, bias, mean, variance, training, , eps] = n.inputs;
  if (flag(b, training)) throw new Error("export: aten::batch_norm in training mode; put the model in eval mode before exporting");
  b.single(n, "BatchNormalization", [b.tensor(input), b.tensor(weight), b.tensor(bias), b.tensor(mean), b.tensor(variance)],
    { epsilon: { float: b.constant(eps) as number } });
};

/**
 * aten::max_pool2d(input, kernel, stride, padding, dilation, ceil_mode) and its _with_indices form.
 * ONNX counts indices over the whole tensor, PyTorch within each channel plane: the remainder by
 * the plane's size turns one into the other.
 */
const maxPool: Translation = (b, n) => {
  const [input, kernel, stride, padding, dilation, ceil] = n.inputs;
  const kernelShape = ints(b, kernel);
  const strides = ints(b, stride);
  const withIndices = n.outputs.length > 1 && b.isUsed(n.outputs[1]);
  const [values, flatIndices] = b.node("MaxPool", [b.tensor(input)], {
    kernel_shape: { ints: kernelShape }, strides: { ints: strides.length ? strides : kernelShape },
    pads: { ints: symmetricPads(ints(b, padding)) }, dilations: { ints: ints(b, dilation) }, ceil_mode: { int: flag(b, ceil) ? 1 : 0 },
  }, withIndices ? 2 : 1);
  b.set(n.outputs[0], { tensor: values });
  if (withIndices) {
    b.writesRecordedSizes(n);
    const shape = b.described(input).shape;
    if (!shape) throw new Error(`export: ${n.kind} with indices needs the recorded input shape`);
    const planeSize = shape.slice(2).reduce((a, d) => a * d, 1);
    b.set(n.outputs[1], { tensor: b.node("Mod", [flatIndices, b.scalar(planeSize, "int64")])[0] });
  }
};

/** aten::max_unpool2d(self, indices, output_size): each plane's values scattered into zeros at their indices. */
const maxUnpool: Translation = (b, n) => {
  const [input, indices, outputSize] = n.inputs;
  const shape = b.described(input).shape;
  const dtype = b.described(input).dtype ?? "float32";
  if (!shape) throw new Error("export: aten::max_unpool2d needs the recorded input shape");
  b.writesRecordedSizes(n);
  const [batch, channels] = shape;
  const [height, width] = ints(b, outputSize);
  const planes = b.int64s([batch, channels, -1]);
  const zeros = b.node("ConstantOfShape", [b.int64s([batch, channels, height * width])], { value: { tensor: scalarMessage(b.fresh("zero"), 0, dtype, [1]) } })[0];
  const scattered = b.node("ScatterElements", [zeros, b.node("Reshape", [b.tensor(indices), planes])[0], b.node("Reshape", [b.tensor(input), planes])[0]], { axis: { int: 2 } })[0];
  b.single(n, "Reshape", [scattered, b.int64s([batch, channels, height, width])]);
};

/** aten::rsub(self, other, alpha): other − self. */
const rsub: Translation = (b, n) => {
  if (n.inputs.length > 2 && int(b, n.inputs[2]) !== 1) throw new Error("export: aten::rsub with alpha ≠ 1 has no translation");
  const dtype = n.outputs[0].dtype ?? "float32";
  b.single(n, "Sub", [b.tensor(n.inputs[1], dtype), b.tensor(n.inputs[0], dtype)]);
};

/** aten::mean / amax / sum(self, dim, keepdim[, dtype]): ReduceMean and ReduceMax take their axes as an attribute in opset 17, ReduceSum as an input. */
function reduce(op: "ReduceMean" | "ReduceMax" | "ReduceSum"): Translation {
  return (b, n) => {
    const rank = b.described(n.inputs[0]).shape?.length;
    const dims = (n.inputs.length > 1 ? b.constant(n.inputs[1]) : null) as number[] | null;
    const axes = dims ?? Array.from({ length: rank ?? 0 }, (_, i) => i);
    if (dims === null && rank === undefined) throw new Error(`export: ${n.kind} over all axes needs the recorded input shape`);
    const keepdims = { int: n.inputs.length > 2 && flag(b, n.inputs[2]) ? 1 : 0 };
    if (op !== "ReduceSum") b.single(n, op, [b.tensor(n.inputs[0])], { axes: { ints: axes }, keepdims });
    else b.single(n, op, [b.tensor(n.inputs[0]), b.int64s(axes)], { keepdims });
  };
}

/** aten::prelu(self, weight): ONNX broadcasts the slope from the last axis, so [C] becomes [C, 1, 1]. */
const prelu: Translation = (b, n) => {
  const input = b.described(n.inputs[0]).shape;
  const weight = b.described(n.inputs[1]).shape;
  if (!input || !weight) throw new Error("export: aten::prelu needs the recorded input and weight shapes");
  let slope = b.tensor(n.inputs[1]);
  if (weight[0] > 1 && input.length > 2) slope = b.node("Reshape", [slope, b.int64s([weight[0], ...input.slice(2).map(() => 1)])])[0];
  b.single(n, "PRelu", [b.tensor(n.inputs[0]), slope]);
};

/** aten::constant_pad_nd(self, pad, value): torch lists (begin, end) pairs from the last axis; ONNX all begins then all ends. */
const constantPad: Translation = (b, n) => {
  const shape = b.described(n.inputs[0]).shape;
  if (!shape) throw new Error("export: aten::constant_pad_nd needs the recorded input shape");
  const pad = ints(b, n.inputs[1]);
  const begins = shape.map(() => 0);
  const ends = shape.map(() => 0);
  for (let i = 0; i < pad.length / 2; i++) {
    begins[shape.length - 1 - i] = pad[2 * i];
    ends[shape.length - 1 - i] = pad[2 * i + 1];
  }
  const value = b.scalar(Number(b.constant(n.inputs[2]) ?? 0), b.described(n.inputs[0]).dtype ?? "float32");
  b.single(n, "Pad", [b.tensor(n.inputs[0]), b.int64s([...begins, ...ends]), value], { mode: { string: "constant" } });
};

/** aten::avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override). */
const avgPool: Translation = (b, n) => {
  const [input, kernel, stride, padding, ceil, countIncludePad, divisorOverride] = n.inputs;
  if (divisorOverride !== undefined && b.constant(divisorOverride) !== null) throw new Error("export: aten::avg_pool2d with divisor_override has no translation");
  const kernelShape = ints(b, kernel);
  const strides = ints(b, stride);
  b.single(n, "AveragePool", [b.tensor(input)], {
    kernel_shape: { ints: kernelShape }, strides: { ints: strides.length ? strides : kernelShape }, pads: { ints: symmetricPads(ints(b, padding)) },
    ceil_mode: { int: flag(b, ceil) ? 1 : 0 }, count_include_pad: { int: flag(b, countIncludePad) ? 1 : 0 },
  });
};

/**
 * aten::adaptive_avg_pool2d(input, output_size): a global average for 1×1, an AveragePool when the
 * bins divide the input, otherwise per-bin means (bins of adaptive pooling overlap and differ in
 * size: bin i covers [floor(i·n/o), ceil((i+1)·n/o))). Pooling is separable, so rows then columns.
 */
const adaptiveAvgPool: Translation = (b, n) => {
  const [input, outputSize] = n.inputs;
  const size = ints(b, outputSize);
  const shape = b.described(input).shape;
  if (!shape) throw new Error("export: aten::adaptive_avg_pool2d needs the recorded input shape");
  const [h, w] = shape.slice(-2);
  if (size[0] === 1 && size[1] === 1) return b.single(n, "GlobalAveragePool", [b.tensor(input)]);
  b.writesRecordedSizes(n); // the bins are laid out for the recorded size
  if (h % size[0] === 0 && w % size[1] === 0) {
    const kernel = [h / size[0], w / size[1]];
    return b.single(n, "AveragePool", [b.tensor(input)], { kernel_shape: { ints: kernel }, strides: { ints: kernel } });
  }
  let x = b.tensor(input);
  for (const [axis, length, bins] of [[2, h, size[0]], [3, w, size[1]]]) {
    const means: string[] = [];
    for (let i = 0; i < bins; i++) {
      const start = Math.floor((i * length) / bins);
      const end = Math.ceil(((i + 1) * length) / bins);
      const slice = b.node("Slice", [x, b.int64s([start]), b.int64s([end]), b.int64s([axis])])[0];
      means.push(b.node("ReduceMean", [slice], { axes: { ints: [axis] }, keepdims: { int: 1 } })[0]);
    }
    x = b.node("Concat", means, { axis: { int: axis } })[0];
  }
  b.set(n.outputs[0], { tensor: x });
};

/**
 * aten::upsample_*2d(input, output_size, [align_corners,] scale_factors): Resize to output_size
 * (its sizes recorded by sizeOf computed in the graph), or to the recorded output size when only
 * scale factors were given.
 */
function resize(mode: "linear" | "cubic" | "nearest"): Translation {
  return (b, n) => {
    const x = b.tensor(n.inputs[0]);
    const given = b.get(n.inputs[1]);
    let sizes: string;
    if ("constant" in given && given.constant === null) {
      const outShape = n.outputs[0].shape;
      if (!outShape) throw new Error(`export: ${n.kind} needs the recorded output shape`);
      b.writesRecordedSizes(n);
      sizes = b.int64s(outShape);
    } else {
      sizes = b.node("Concat", [b.node("Shape", [x], { end: { int: 2 } })[0], b.shapeTensor(b.sizes(n.inputs[1]))], { axis: { int: 0 } })[0];
    }
    const alignCorners = mode !== "nearest" && flag(b, n.inputs[2]);
    const coordinates = { coordinate_transformation_mode: { string: alignCorners ? "align_corners" : "pytorch_half_pixel" } };
    b.single(n, "Resize", [x, "", "", sizes], mode === "nearest"
      ? { mode: { string: "nearest" }, coordinate_transformation_mode: { string: "asymmetric" }, nearest_mode: { string: "floor" } }
      // PyTorch's bicubic kernel is Keys' with a = −0.75, ONNX's default.
      : { mode: { string: mode }, ...coordinates, ...(mode === "cubic" ? { cubic_coeff_a: { float: -0.75 } } : {}) });
  };
}

/** aten::expand(self, size): torch's −1 keeps an axis, which a 1 does in ONNX's broadcasting Expand. */
const expand: Translation = (b, n) => {
  const sizes = b.sizes(n.inputs[1]).map((s) => (s === -1 ? 1 : s));
  b.single(n, "Expand", [b.tensor(n.inputs[0]), b.shapeTensor(sizes)]);
};

/** aten::norm(self, p, dim, keepdim) with p = 2: ReduceL2 (axes an attribute up to opset 17). */
const norm2: Translation = (b, n) => {
  if (Number(b.constant(n.inputs[1])) !== 2) throw new Error("export: aten::norm with p ≠ 2 has no translation");
  const axes = n.inputs.length > 2 ? (b.constant(n.inputs[2]) as number[] | null) : null;
  if (axes === null) throw new Error("export: aten::norm over all axes has no translation");
  b.single(n, "ReduceL2", [b.tensor(n.inputs[0])], { axes: { ints: axes }, keepdims: { int: n.inputs.length > 3 && flag(b, n.inputs[3]) ? 1 : 0 } });
};

/** The ONNX tensors of a recorded list of tensors (the first argument of cat, stack; einsum's second). */
function tensorList(b: GraphBuilder, n: RecordedNode, id: number): string[] {
  const list = b.get(id);
  if (!("tensors" in list)) throw new Error(`export: ${n.kind} of a list that is not a list of tensors`);
  return list.tensors;
}

/** aten::cat(tensors, dim). */
const concat: Translation = (b, n) => b.single(n, "Concat", tensorList(b, n, n.inputs[0]), { axis: { int: int(b, n.inputs[1]) } });

/** aten::hardsigmoid: relu6(x + 3) / 6, which is HardSigmoid with alpha 1/6, beta 1/2. */
const hardSigmoid: Translation = (b, n) => b.single(n, "HardSigmoid", [b.tensor(n.inputs[0])], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });

/** aten::softmax / log_softmax(self, dim, dtype). */
function softmax(op: string): Translation {
  return (b, n) => b.single(n, op, [b.tensor(n.inputs[0])], { axis: { int: int(b, n.inputs[1]) } });
}

/** aten::argmax(self, dim, keepdim). */
const argmax: Translation = (b, n) => b.single(n, "ArgMax", [b.tensor(n.inputs[0])], { axis: { int: int(b, n.inputs[1]) }, keepdims: { int: flag(b, n.inputs[2]) ? 1 : 0 } });

/** aten::reshape / view(self, shape): Reshape to the shape argument (−1 inferred, 0 an empty axis as in torch: allowzero). */
const reshape: Translation = (b, n) => {
  b.single(n, "Reshape", [b.tensor(n.inputs[0]), b.shapeTensor(b.sizes(n.inputs[1]))], { allowzero: { int: 1 } });
};

/** The rank of a recorded tensor, and a dimension in [0, rank). */
function rankOf(b: GraphBuilder, n: RecordedNode): number {
  const rank = b.described(n.inputs[0]).shape?.length;
  if (rank === undefined) throw new Error(`export: ${n.kind} needs the recorded input shape`);
  return rank;
}
const axis = (dim: number, rank: number): number => (dim < 0 ? dim + rank : dim);

/** aten::flatten(self, start_dim, end_dim): the input's own sizes around one −1, so any input size flattens. */
const flatten: Translation = (b, n) => {
  const rank = rankOf(b, n);
  if (rank === 0) return b.single(n, "Reshape", [b.tensor(n.inputs[0]), b.int64s([1])]);
  const [start, end] = [axis(int(b, n.inputs[1]), rank), axis(int(b, n.inputs[2]), rank)];
  const x = b.tensor(n.inputs[0]);
  const parts = [b.int64s([-1])];
  if (start > 0) parts.unshift(b.node("Shape", [x], { end: { int: start } })[0]);
  if (end < rank - 1) parts.push(b.node("Shape", [x], { start: { int: end + 1 } })[0]);
  b.single(n, "Reshape", [x, b.node("Concat", parts, { axis: { int: 0 } })[0]]);
};

/** aten::size(self, dim): a size the graph computes (sizeOf while recording), a scalar int64. */
const size: Translation = (b, n) => {
  b.single(n, "Gather", [b.node("Shape", [b.tensor(n.inputs[0])])[0], b.scalar(int(b, n.inputs[1]), "int64")], { axis: { int: 0 } });
};

/** aten::Int(a): the scalar int64 tensor of a recorded size, as the int it stands for. */
const toInt: Translation = (b, n) => {
  if (b.described(n.inputs[0]).dtype === "int64") identity(b, n);
  else b.single(n, "Cast", [b.tensor(n.inputs[0])], { to: { int: onnxDataType("int64", "aten::Int") } });
};

/** aten::permute(self, dims). */
const permute: Translation = (b, n) => {
  const rank = rankOf(b, n);
  b.single(n, "Transpose", [b.tensor(n.inputs[0])], { perm: { ints: ints(b, n.inputs[1]).map((d) => axis(d, rank)) } });
};

/** aten::transpose(self, dim0, dim1): a permutation swapping two axes. */
const transpose: Translation = (b, n) => {
  const rank = rankOf(b, n);
  const perm = Array.from({ length: rank }, (_, i) => i);
  const [d0, d1] = [axis(int(b, n.inputs[1]), rank), axis(int(b, n.inputs[2]), rank)];
  [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
  b.single(n, "Transpose", [b.tensor(n.inputs[0])], { perm: { ints: perm } });
};

/**
 * aten::slice(self, dim, start, end, step): ONNX's Slice counts negative bounds from the end and
 * clamps them to the axis as torch does, so the bounds pass as recorded; torch's open end, 2⁶³ − 1,
 * is not a double's exact integer and becomes the largest one (clamped all the same).
 */
const slice: Translation = (b, n) => {
  const dim = axis(int(b, n.inputs[1]), rankOf(b, n));
  const bound = (id: number, fallback: number): number => {
    const v = b.constant(id) as number | null;
    return v === null ? fallback : Math.min(Math.max(v, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  };
  const [start, end] = [bound(n.inputs[2], 0), bound(n.inputs[3], Number.MAX_SAFE_INTEGER)];
  b.single(n, "Slice", [b.tensor(n.inputs[0]), b.int64s([start]), b.int64s([end]), b.int64s([dim]), b.int64s([int(b, n.inputs[4])])]);
};

/** aten::linear(input, weight, bias): input · weightᵀ (+ bias). */
const linear: Translation = (b, n) => {
  const [input, weight, bias] = n.inputs;
  const product = b.node("MatMul", [b.tensor(input), b.node("Transpose", [b.tensor(weight)], { perm: { ints: [1, 0] } })[0]])[0];
  const biasValue = b.get(bias);
  if ("constant" in biasValue && biasValue.constant === null) b.set(n.outputs[0], { tensor: product });
  else b.single(n, "Add", [product, b.tensor(bias)]);
};

/** aten::layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable): LayerNormalization over the trailing axes. */
const layerNorm: Translation = (b, n) => {
  const [input, normalizedShape, weight, bias, eps] = n.inputs;
  const noneOf = (id: number): boolean => { const v = b.get(id); return "constant" in v && v.constant === null; };
  if (noneOf(weight) || noneOf(bias)) throw new Error("export: aten::layer_norm without affine weight and bias has no translation");
  b.single(n, "LayerNormalization", [b.tensor(input), b.tensor(weight), b.tensor(bias)],
    { axis: { int: -ints(b, normalizedShape).length }, epsilon: { float: b.constant(eps) as number } });
};

/**
 * aten::group_norm(input, num_groups, weight, bias, eps, cudnn_enable): opset 17 has no
 * GroupNormalization, so the statistics are taken over (N, groups, rest) and the per-channel affine
 * is applied after reshaping back.
 */
const groupNorm: Translation = (b, n) => {
  const [input, groups, weight, bias, eps] = n.inputs;
  const shape = b.described(input).shape;
  if (!shape) throw new Error("export: aten::group_norm needs the recorded input shape");
  const dtype = b.described(input).dtype ?? "float32";
  const mean = (t: string): string => b.node("ReduceMean", [t], { axes: { ints: [2] }, keepdims: { int: 1 } })[0];
  // Reshape's 0 copies the batch axis, and the input's own shape restores it: any batch and size.
  const grouped = b.node("Reshape", [b.tensor(input), b.int64s([0, int(b, groups), -1])])[0];
  const centred = b.node("Sub", [grouped, mean(grouped)])[0];
  const spread = b.node("Sqrt", [b.node("Add", [mean(b.node("Mul", [centred, centred])[0]), b.scalar(b.constant(eps) as number, dtype)])[0]])[0];
  let y = b.node("Reshape", [b.node("Div", [centred, spread])[0], b.node("Shape", [b.tensor(input)])[0]])[0];
  const perChannel = b.int64s([shape[1], ...shape.slice(2).map(() => 1)]);
  const present = (id: number): boolean => { const v = b.get(id); return !("constant" in v && v.constant === null); };
  if (present(weight)) y = b.node("Mul", [y, b.node("Reshape", [b.tensor(weight), perChannel])[0]])[0];
  if (present(bias)) y = b.node("Add", [y, b.node("Reshape", [b.tensor(bias), perChannel])[0]])[0];
  b.set(n.outputs[0], { tensor: y });
};

/** aten::gelu(self, approximate): x · (1 + erf(x / √2)) / 2 (opset 17 has no Gelu). */
const gelu: Translation = (b, n) => {
  if (n.inputs.length > 1 && b.constant(n.inputs[1]) !== "none") throw new Error("export: aten::gelu with the tanh approximation has no translation");
  const x = b.tensor(n.inputs[0]);
  const dtype = b.described(n.inputs[0]).dtype ?? "float32";
  const erf = b.node("Erf", [b.node("Div", [x, b.scalar(Math.SQRT2, dtype)])[0]])[0];
  const onePlus = b.node("Add", [erf, b.scalar(1, dtype)])[0];
  b.single(n, "Mul", [b.node("Mul", [x, onePlus])[0], b.scalar(0.5, dtype)]);
};

/** aten::to(self, dtype, ...): a cast to the recorded output's dtype. */
const cast: Translation = (b, n) => {
  const dtype = n.outputs[0].dtype;
  if (!dtype) throw new Error("export: aten::to needs the recorded output dtype");
  b.single(n, "Cast", [b.tensor(n.inputs[0])], { to: { int: onnxDataType(dtype, "aten::to") } });
};

/** aten::eq(self, other): Equal, a number compared in the tensor's dtype. */
const equal: Translation = (b, n) => {
  const dtype = b.described(n.inputs[0]).dtype ?? "float32";
  b.single(n, "Equal", [b.tensor(n.inputs[0], dtype), b.tensor(n.inputs[1], dtype)]);
};

/** aten::where(condition, self, other). */
const where: Translation = (b, n) => {
  const dtype = n.outputs[0].dtype ?? "float32";
  b.single(n, "Where", [b.tensor(n.inputs[0], "bool"), b.tensor(n.inputs[1], dtype), b.tensor(n.inputs[2], dtype)]);
};

/** aten::unsqueeze(self, dim): axes as an input since opset 13. */
const unsqueeze: Translation = (b, n) => {
  const rank = rankOf(b, n) + 1;
  b.single(n, "Unsqueeze", [b.tensor(n.inputs[0]), b.int64s([axis(int(b, n.inputs[1]), rank)])]);
};

/** aten::select(self, dim, index): Gather with a scalar index drops the axis (a negative index counts from the end in both). */
const select: Translation = (b, n) => {
  const dim = axis(int(b, n.inputs[1]), rankOf(b, n));
  b.single(n, "Gather", [b.tensor(n.inputs[0]), b.scalar(int(b, n.inputs[2]), "int64")], { axis: { int: dim } });
};

/** aten::index_select(self, dim, index). */
const indexSelect: Translation = (b, n) => {
  b.single(n, "Gather", [b.tensor(n.inputs[0]), b.tensor(n.inputs[2], "int64")], { axis: { int: axis(int(b, n.inputs[1]), rankOf(b, n)) } });
};

/** aten::stack(tensors, dim): each unsqueezed, then concatenated. */
const stack: Translation = (b, n) => {
  const dim = axis(int(b, n.inputs[1]), n.outputs[0].shape?.length ?? 0);
  b.single(n, "Concat", tensorList(b, n, n.inputs[0]).map((t) => b.node("Unsqueeze", [t, b.int64s([dim])])[0]), { axis: { int: dim } });
};

/** aten::pow(self, exponent) with a number exponent. */
const pow: Translation = (b, n) => {
  const dtype = b.described(n.inputs[0]).dtype ?? "float32";
  b.single(n, "Pow", [b.tensor(n.inputs[0], dtype), b.tensor(n.inputs[1], dtype)]);
};

/** aten::einsum(equation, tensors, path). */
const einsum: Translation = (b, n) => b.single(n, "Einsum", tensorList(b, n, n.inputs[1]), { equation: { string: b.constant(n.inputs[0]) as string } });

/** aten::elu(self, alpha, scale, input_scale): ONNX's Elu has the alpha only. */
const elu: Translation = (b, n) => {
  const [input, alpha, scale, inputScale] = n.inputs;
  if ([scale, inputScale].some((id) => id !== undefined && b.constant(id) !== 1)) throw new Error("export: aten::elu with scale or input_scale ≠ 1 has no translation");
  b.single(n, "Elu", [b.tensor(input)], { alpha: { float: b.constant(alpha) as number } });
};

/** aten::repeat(self, repeats): ONNX's Tile, one count per axis (torch's extra leading axes are not translated). */
const repeat: Translation = (b, n) => {
  const rank = b.described(n.inputs[0]).shape?.length;
  const repeats = ints(b, n.inputs[1]);
  if (rank !== repeats.length) throw new Error(`export: aten::repeat with ${repeats.length} counts for a rank-${rank} tensor has no translation`);
  b.single(n, "Tile", [b.tensor(n.inputs[0]), b.int64s(repeats)]);
};

/**
 * aten::arange([start,] end[, step], dtype, ...): its bounds are numbers, known at export time.
 * Integer bounds: Range in int64 (exact), cast to the recorded dtype. Other bounds: start + step·i
 * for i < ⌈(end − start) / step⌉ (torch's count) in double, rounded once to the dtype, as libtorch's
 * scalar loop does; its vectorised loop rounds each vector's first value to float before adding
 * steps, so torch's own values can differ in the last bit (where depends on the CPU's vector width).
 */
const arange: Translation = (b, n) => {
  const dtype = n.outputs[0].dtype;
  if (!dtype) throw new Error("export: aten::arange needs the recorded output dtype");
  const bounds = n.inputs.slice(0, n.inputs.length - 4).map((id) => Number(b.constant(id)));
  const [start, end, step] = bounds.length === 1 ? [0, bounds[0], 1] : [bounds[0], bounds[1], bounds[2] ?? 1];
  const toDtype = (t: string, from: string): string[] =>
    from === dtype ? [t] : b.node("Cast", [t], { to: { int: onnxDataType(dtype, "aten::arange") } });
  if ([start, end, step].every(Number.isInteger)) {
    const range = b.node("Range", [b.scalar(start, "int64"), b.scalar(end, "int64"), b.scalar(step, "int64")])[0];
    return b.set(n.outputs[0], { tensor: toDtype(range, "int64")[0] });
  }
  if (!["float32", "float64"].includes(dtype)) throw new Error(`export: aten::arange with fractional bounds into ${dtype} has no translation`);
  const count = Math.max(0, Math.ceil((end - start) / step));
  const indices = b.node("Range", [b.scalar(0, "int64"), b.scalar(count, "int64"), b.scalar(1, "int64")])[0];
  const inDouble = b.node("Cast", [indices], { to: { int: onnxDataType("float64", "aten::arange") } })[0];
  const values = b.node("Add", [b.node("Mul", [inDouble, b.scalar(step, "float64")])[0], b.scalar(start, "float64")])[0];
  b.set(n.outputs[0], { tensor: toDtype(values, "float64")[0] });
};

/**
 * aten::chunk(self, chunks, dim): pieces of ⌈size / chunks⌉ along dim, the last one shorter when
 * they do not divide it, as many as the recording unpacked. The piece length is computed from the
 * input's own size, so a dynamic axis chunks as torch would at that size (into as many pieces).
 */
const chunk: Translation = (b, n) => {
  const shape = b.described(n.inputs[0]).shape;
  if (!shape) throw new Error("export: aten::chunk needs the recorded input shape");
  const dim = axis(int(b, n.inputs[2]), shape.length);
  const chunks = int(b, n.inputs[1]);
  const length = shape[dim];
  if (length === 0) throw new Error("export: aten::chunk of an empty axis has no translation");
  const pieces = Math.ceil(length / Math.ceil(length / chunks));
  const x = b.tensor(n.inputs[0]);
  if (pieces === 1) return b.set(n.outputs[0], { tensors: [x] });
  const size = b.node("Shape", [x], { start: { int: dim }, end: { int: dim + 1 } })[0];
  const piece = b.node("Div", [b.node("Add", [size, b.int64s([chunks - 1])])[0], b.int64s([chunks])])[0];
  const last = b.node("Sub", [size, b.node("Mul", [piece, b.int64s([pieces - 1])])[0]])[0];
  const split = b.node("Concat", [b.node("Expand", [piece, b.int64s([pieces - 1])])[0], last], { axis: { int: 0 } })[0];
  b.set(n.outputs[0], { tensors: b.node("Split", [x, split], { axis: { int: dim } }, pieces) });
};

/**
 * aten::split(self, split_size or split_sizes, dim): Split into the given sizes, or pieces of
 * split_size along dim with a shorter last one (the recorded axis' length decides how many).
 */
const split: Translation = (b, n) => {
  const shape = b.described(n.inputs[0]).shape;
  if (!shape) throw new Error("export: aten::split needs the recorded input shape");
  const dim = axis(int(b, n.inputs[2]), shape.length);
  const given = b.get(n.inputs[1]);
  let sizes: (number | string)[];
  if ("constant" in given && typeof given.constant === "number") {
    b.writesRecordedSizes(n);
    const piece = given.constant;
    sizes = Array.from({ length: Math.max(1, Math.ceil(shape[dim] / piece)) }, (_, i) => Math.min(piece, shape[dim] - i * piece));
  } else {
    sizes = b.sizes(n.inputs[1]);
  }
  b.set(n.outputs[0], { tensors: b.node("Split", [b.tensor(n.inputs[0]), b.shapeTensor(sizes)], { axis: { int: dim } }, sizes.length) });
};

/** aten::baddbmm(self, batch1, batch2, beta, alpha): beta · self + alpha · batch1 @ batch2 (beta 0 ignores self, as torch). */
const baddbmm: Translation = (b, n) => {
  const [input, batch1, batch2, beta, alpha] = n.inputs;
  const dtype = n.outputs[0].dtype ?? "float32";
  const [betaValue, alphaValue] = [beta, alpha].map((id) => (id === undefined ? 1 : Number(b.constant(id))));
  let product = b.node("MatMul", [b.tensor(batch1), b.tensor(batch2)])[0];
  if (alphaValue !== 1) product = b.node("Mul", [product, b.scalar(alphaValue, dtype)])[0];
  if (betaValue === 0) return b.set(n.outputs[0], { tensor: product });
  const added = betaValue === 1 ? b.tensor(input, dtype) : b.node("Mul", [b.tensor(input, dtype), b.scalar(betaValue, dtype)])[0];
  b.single(n, "Add", [added, product]);
};

/** aten::t(self): a matrix transposed; tensors of rank 0 and 1 are their own transpose. */
const matrixTranspose: Translation = (b, n) => {
  const rank = rankOf(b, n);
  if (rank < 2) identity(b, n);
  else b.single(n, "Transpose", [b.tensor(n.inputs[0])], { perm: { ints: [1, 0] } });
};

/** aten::zeros_like(self, dtype, ...): zeros of the input's own shape, in the recorded dtype. */
const zerosLike: Translation = (b, n) => {
  const dtype = n.outputs[0].dtype;
  if (!dtype) throw new Error("export: aten::zeros_like needs the recorded output dtype");
  const shape = b.node("Shape", [b.tensor(n.inputs[0])])[0];
  b.single(n, "ConstantOfShape", [shape], { value: { tensor: scalarMessage(b.fresh("zero"), 0, dtype, [1]) } });
};

/**
 * aten::narrow(self, dim, start, length): torch wraps a negative start once, so the end is start +
 * length; an end of 0 after a negative start means the axis' end, which Slice would read as index 0.
 */
const narrow: Translation = (b, n) => {
  const dim = axis(int(b, n.inputs[1]), rankOf(b, n));
  const [start, length] = [int(b, n.inputs[2]), int(b, n.inputs[3])];
  const end = start < 0 && start + length === 0 ? Number.MAX_SAFE_INTEGER : start + length;
  b.single(n, "Slice", [b.tensor(n.inputs[0]), b.int64s([start]), b.int64s([end]), b.int64s([dim])]);
};

export const ATEN_TO_ONNX: ReadonlyMap<string, Translation> = new Map<string, Translation>([
  ["aten::_convolution", convolution],
  ["aten::batch_norm", batchNorm],
  ["aten::relu", unary("Relu")],
  ["aten::sigmoid", unary("Sigmoid")],
  ["aten::tanh", unary("Tanh")],
  ["aten::hardswish", unary("HardSwish")],
  ["aten::hardsigmoid", hardSigmoid],
  ["aten::add", withAlpha("Add")],
  ["aten::sub", withAlpha("Sub")],
  ["aten::rsub", rsub],
  ["aten::mul", elementwise("Mul")],
  ["aten::div", elementwise("Div")],
  ["aten::cat", concat],
  ["aten::max_pool2d", maxPool],
  ["aten::max_pool2d_with_indices", maxPool],
  ["aten::max_unpool2d", maxUnpool],
  ["aten::avg_pool2d", avgPool],
  ["aten::prelu", prelu],
  ["aten::constant_pad_nd", constantPad],
  ["aten::adaptive_avg_pool2d", adaptiveAvgPool],
  ["aten::upsample_bilinear2d", resize("linear")],
  ["aten::upsample_nearest2d", resize("nearest")],
  ["aten::upsample_bicubic2d", resize("cubic")],
  ["aten::expand", expand],
  ["aten::norm", norm2],
  ["aten::mean", reduce("ReduceMean")],
  ["aten::amax", reduce("ReduceMax")],
  ["aten::sum", reduce("ReduceSum")],
  ["aten::softmax", softmax("Softmax")],
  ["aten::log_softmax", softmax("LogSoftmax")],
  ["aten::argmax", argmax],
  ["aten::dropout", dropout],
  ["aten::feature_dropout", dropout],
  ["aten::contiguous", identity],
  ["aten::reshape", reshape],
  ["aten::view", reshape],
  ["aten::flatten", flatten],
  ["aten::size", size],
  ["aten::Int", toInt],
  ["aten::permute", permute],
  ["aten::transpose", transpose],
  ["aten::slice", slice],
  ["aten::linear", linear],
  ["aten::matmul", elementwise("MatMul")],
  ["aten::layer_norm", layerNorm],
  ["aten::group_norm", groupNorm],
  ["aten::gelu", gelu],
  ["aten::to", cast],
  ["aten::sin", unary("Sin")],
  ["aten::cos", unary("Cos")],
  ["aten::sqrt", unary("Sqrt")],
  ["aten::exp", unary("Exp")],
  ["aten::pow", pow],
  ["aten::eq", equal],
  ["aten::where", where],
  ["aten::unsqueeze", unsqueeze],
  ["aten::select", select],
  ["aten::index_select", indexSelect],
  ["aten::stack", stack],
  ["aten::einsum", einsum],
  ["aten::elu", elu],
  ["aten::repeat", repeat],
  ["aten::bmm", elementwise("MatMul")],
  ["aten::t", matrixTranspose],
  ["aten::arange", arange],
  ["aten::floor_divide", floorDivide],
  ["aten::remainder", remainder],
  ["aten::chunk", chunk],
  ["aten::zeros_like", zerosLike],
  ["aten::narrow", narrow],
  ["aten::split", split],
  ["aten::baddbmm", baddbmm],
  ["aten::grid_sampler", gridSampler],
  ["aten::linspace", linspaceConstant],
  ["aten::lt", comparison("Less")],
  ["aten::gt", comparison("Greater")],
  ["aten::all", all],
  ["aten::logical_not", logicalNot],
  ["aten::logical_and", logicalAnd],
  ["aten::masked_fill", maskedFill],
]);
