// Input checks shared by the layers: a wrong shape or dtype is reported naming the layer and what it
// expected, before libtorch gives a less specific message.
import { Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/**
 * One accepted layout: numbers must match exactly, names ("N", "H") are free dimensions, and a
 * leading "..." stands for any number of leading dimensions.
 */
export type ShapePattern = (number | string)[];

function matches(shape: number[], pattern: ShapePattern): boolean {
  if (pattern[0] === "...") return shape.length >= pattern.length - 1 && matches(shape.slice(shape.length - pattern.length + 1), pattern.slice(1));
  return shape.length === pattern.length && pattern.every((d, i) => typeof d === "string" || d === shape[i]);
}

const show = (p: ShapePattern): string => `(${p.join(", ")})`;

/**
 * Throws unless `x` is a Tensor whose shape fits one of `patterns` and, when `dtype` is given, whose
 * dtype is that (for most layers the dtype of their parameters: libtorch does not mix them).
 */
export function checkInput(layer: Module, x: unknown, patterns: ShapePattern[], dtype?: string, what = "input"): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${layer.describe()}: expected a Tensor ${what}, got ${x === null ? "null" : typeof x}`);
  }
  if (!patterns.some((p) => matches(x.shape, p))) {
    throw new RangeError(`${layer.describe()}: expected ${what} of shape ${patterns.map(show).join(" or ")}, got [${x.shape.join(", ")}]`);
  }
  if (dtype !== undefined && x.dtype !== dtype) {
    throw new TypeError(`${layer.describe()}: expected ${what} of dtype ${dtype}, got ${x.dtype}`);
  }
}

/** Throws unless `x` is a Tensor of at least `minDims` dimensions. */
export function checkRank(layer: Module, x: unknown, minDims: number, what = "input"): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${layer.describe()}: expected a Tensor ${what}, got ${x === null ? "null" : typeof x}`);
  }
  if (x.ndim < minDims) {
    throw new RangeError(`${layer.describe()}: expected ${what} with at least ${minDims} dimensions, got [${x.shape.join(", ")}]`);
  }
}

/** A layer argument given as one number or one per spatial dimension, as a list of `dims` numbers. */
export function tuple(value: number | number[], dims: number, name: string): number[] {
  const list = Array.isArray(value) ? value : Array<number>(dims).fill(value);
  if (list.length !== dims || !list.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new RangeError(`${name}: expected a non-negative integer or ${dims} of them, got ${JSON.stringify(value)}`);
  }
  return list;
}

/** "3" for [3, 3], "(3, 1)" otherwise: how PyTorch-like messages show per-dimension arguments. */
export function showTuple(list: number[]): string {
  return list.every((v) => v === list[0]) ? String(list[0]) : `(${list.join(", ")})`;
}
