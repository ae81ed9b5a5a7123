// Comparisons and boolean logic, as Mask2Former's masked attention builds its mask (aten::lt,
// aten::all, aten::logical_not, aten::logical_and, aten::masked_fill) and K-Net its binary masks
// (aten::gt). Torch's logical ops read any nonzero value as true, which a Cast to bool does too.
import type { RecordedNode } from "../../native.js";
import type { GraphBuilder } from "./graph-builder.js";
import { onnxDataType } from "./proto.js";

/** A recorded tensor as bool: itself when it is one, else cast (nonzero → true). */
function asBool(b: GraphBuilder, n: RecordedNode, id: number): string {
  const t = b.tensor(id);
  return b.described(id).dtype === "bool" ? t : b.node("Cast", [t], { to: { int: onnxDataType("bool", n.kind) } })[0];
}

/** aten::lt / gt(self, other): Less / Greater, a number compared in the tensor's dtype. */
export function comparison(op: "Less" | "Greater"): (b: GraphBuilder, n: RecordedNode) => void {
  return (b, n) => {
    const dtype = b.described(n.inputs[0]).dtype ?? "float32";
    b.single(n, op, [b.tensor(n.inputs[0], dtype), b.tensor(n.inputs[1], dtype)]);
  };
}

/**
 * aten::all(self[, dim, keepdim]): ONNX reduces no bools, so the minimum over the values cast to
 * int32 (0 or 1), cast back; without dim, over every axis.
 */
export const all = (b: GraphBuilder, n: RecordedNode): void => {
  const rank = b.described(n.inputs[0]).shape?.length;
  if (rank === undefined) throw new Error("export: aten::all needs the recorded input shape");
  const dim = n.inputs.length > 1 ? (b.constant(n.inputs[1]) as number) : null;
  const axes = dim === null ? Array.from({ length: rank }, (_, i) => i) : [dim < 0 ? dim + rank : dim];
  const keepdims = n.inputs.length > 2 && Boolean(b.constant(n.inputs[2])) ? 1 : 0;
  const ones = b.node("Cast", [asBool(b, n, n.inputs[0])], { to: { int: onnxDataType("int32", n.kind) } })[0];
  const min = b.node("ReduceMin", [ones], { axes: { ints: axes }, keepdims: { int: keepdims } })[0];
  b.single(n, "Cast", [min], { to: { int: onnxDataType("bool", n.kind) } });
};

/** aten::logical_not(self). */
export const logicalNot = (b: GraphBuilder, n: RecordedNode): void => b.single(n, "Not", [asBool(b, n, n.inputs[0])]);

/** aten::logical_and(self, other). */
export const logicalAnd = (b: GraphBuilder, n: RecordedNode): void => b.single(n, "And", [asBool(b, n, n.inputs[0]), asBool(b, n, n.inputs[1])]);

/** aten::masked_fill(self, mask, value): the value (a number or a one-element tensor) where the mask is true. */
export const maskedFill = (b: GraphBuilder, n: RecordedNode): void => {
  const dtype = n.outputs[0].dtype ?? "float32";
  b.single(n, "Where", [asBool(b, n, n.inputs[1]), b.tensor(n.inputs[2], dtype), b.tensor(n.inputs[0], dtype)]);
};
