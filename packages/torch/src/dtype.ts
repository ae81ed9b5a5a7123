// Element types, spelled as in PyTorch without the `torch.` prefix.
export type DType =
  | "float32" | "float64" | "float16" | "bfloat16"
  | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool"
  | "complex64" | "complex128";

export const DTYPES: readonly DType[] = [
  "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128",
];

/** A value for a `Scalar` argument: JS numbers that are integral act as Python ints. */
export type Scalar = number | boolean | bigint;

export type TypedArray =
  | Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array
  | Uint8ClampedArray;

/**
 * The TypedArray that holds each dtype's elements. float16/bfloat16 have no JS array type: their raw
 * bits come as Uint16Array. Complex dtypes come as interleaved (re, im) float arrays.
 */
export function typedArrayFor(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case "float32": return new Float32Array(buffer);
    case "float64": return new Float64Array(buffer);
    case "float16":
    case "bfloat16": return new Uint16Array(buffer);
    case "int64": return new BigInt64Array(buffer);
    case "int32": return new Int32Array(buffer);
    case "int16": return new Int16Array(buffer);
    case "int8": return new Int8Array(buffer);
    case "uint8":
    case "bool": return new Uint8Array(buffer);
    case "complex64": return new Float32Array(buffer);
    case "complex128": return new Float64Array(buffer);
  }
}

/** The dtype a TypedArray's elements are read as. */
export function dtypeOfTypedArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "uint8";
  throw new TypeError(`no dtype for ${data.constructor.name}: pass { dtype } explicitly (Uint16Array holds float16/bfloat16 bits)`);
}

export function isFloatingDtype(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16";
}
