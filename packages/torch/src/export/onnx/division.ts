// aten::floor_divide and aten::remainder with torch's rounding, which ONNX's Div and Mod do not share:
// Div truncates integers, and Mod takes the divisor's sign (fmod=0) for integers only. For floats the
// translation repeats libtorch's CPU kernels step by step (fmod, then a sign correction), so the
// results are the same floats, signed zeros and division by zero included.
import type { RecordedNode } from "../../native.js";
import type { GraphBuilder } from "./graph-builder.js";
import { onnxDataType } from "./proto.js";

const FLOAT_TYPES = new Set(["float32", "float64", "float16", "bfloat16"]);

/** An operand in the output's dtype: numbers become scalars of it, tensors of another dtype are cast (torch's type promotion). */
function operand(b: GraphBuilder, n: RecordedNode, id: number, dtype: string): string {
  const t = b.tensor(id, dtype);
  const from = b.described(id).dtype;
  return from === undefined || from === dtype ? t : b.node("Cast", [t], { to: { int: onnxDataType(dtype, n.kind) } })[0];
}

function operands(b: GraphBuilder, n: RecordedNode): { a: string; d: string; dtype: string; float: boolean } {
  const dtype = n.outputs[0].dtype;
  if (!dtype) throw new Error(`export: ${n.kind} needs the recorded output dtype`);
  return { a: operand(b, n, n.inputs[0], dtype), d: operand(b, n, n.inputs[1], dtype), dtype, float: FLOAT_TYPES.has(dtype) };
}

/** torch's test for a float remainder on the wrong side: mod ≠ 0 and its sign differs from the divisor's. */
function signDiffers(b: GraphBuilder, mod: string, modIsZero: string, d: string, zero: string): string {
  const differ = b.node("Xor", [b.node("Less", [d, zero])[0], b.node("Less", [mod, zero])[0]])[0];
  return b.node("And", [b.node("Not", [modIsZero])[0], differ])[0];
}

/**
 * aten::remainder(self, other): the remainder with the divisor's sign (Python's %). Integers: Mod
 * with fmod=0 is exactly that. Floats: fmod, plus the divisor when the signs differ, as libtorch.
 */
export const remainder = (b: GraphBuilder, n: RecordedNode): void => {
  const { a, d, dtype, float } = operands(b, n);
  if (!float) return b.single(n, "Mod", [a, d], { fmod: { int: 0 } });
  const zero = b.scalar(0, dtype);
  const mod = b.node("Mod", [a, d], { fmod: { int: 1 } })[0];
  const isZero = b.node("Equal", [mod, zero])[0];
  const kept = b.node("Where", [isZero, zero, mod])[0];
  const result = b.node("Where", [signDiffers(b, mod, isZero, d, zero), b.node("Add", [mod, d])[0], kept])[0];
  // A zero remainder keeps fmod's sign, the dividend's (−4 % 2 is −0).
  b.single(n, "Mul", [result, zeroSign(b, isZero, mod, dtype)]);
};

/**
 * aten::floor_divide(self, other): the quotient rounded down (torch ≥ 1.13). Integers: (a − a mod d) / d
 * with the floored mod, which divides exactly. Floats, as libtorch's div_floor: div = (a − fmod(a, d)) / d,
 * less one when the signs differ; floor(div), plus one when div lies more than ½ above it; a zero
 * div gives copysign(0, a / d), and d = 0 gives a / d.
 */
export const floorDivide = (b: GraphBuilder, n: RecordedNode): void => {
  const { a, d, dtype, float } = operands(b, n);
  if (!float) {
    const mod = b.node("Mod", [a, d], { fmod: { int: 0 } })[0];
    return b.single(n, "Div", [b.node("Sub", [a, mod])[0], d]);
  }
  const [zero, one] = [b.scalar(0, dtype), b.scalar(1, dtype)];
  const mod = b.node("Mod", [a, d], { fmod: { int: 1 } })[0];
  const exact = b.node("Div", [b.node("Sub", [a, mod])[0], d])[0];
  const modIsZero = b.node("Equal", [mod, zero])[0];
  const div = b.node("Where", [signDiffers(b, mod, modIsZero, d, zero), b.node("Sub", [exact, one])[0], exact])[0];
  const floored = b.node("Floor", [div])[0];
  const roundUp = b.node("Greater", [b.node("Sub", [div, floored])[0], b.scalar(0.5, dtype)])[0];
  const quotient = b.node("Where", [roundUp, b.node("Add", [floored, one])[0], floored])[0];
  const isZero = b.node("Equal", [div, zero])[0];
  const ratio = b.node("Div", [a, d])[0];
  const result = b.node("Where", [b.node("Equal", [d, zero])[0], ratio, b.node("Where", [isZero, zero, quotient])[0]])[0];
  b.single(n, "Mul", [result, zeroSign(b, isZero, ratio, dtype)]);
};

/**
 * −1 where `isZero` and `signed` is negative or −0, else 1: the factor that gives a +0 result the sign
 * torch gives it. Signed zeros are applied last, by a product, because onnxruntime's Where returns +0
 * for a selected −0 (measured with onnxruntime-node); the zeros selected before are all +0.
 */
function zeroSign(b: GraphBuilder, isZero: string, signed: string, dtype: string): string {
  const one = b.scalar(1, dtype);
  // 1 / x is −∞ for x = −0 (and negative for x < 0).
  const negative = b.node("Less", [b.node("Div", [one, signed])[0], b.scalar(0, dtype)])[0];
  return b.node("Where", [b.node("And", [isZero, negative])[0], b.scalar(-1, dtype), one])[0];
}
