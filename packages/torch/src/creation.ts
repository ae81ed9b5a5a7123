// Tensors from JS data. Factories with a dispatcher operator (zeros, ones, full, arange, linspace,
// rand, randn, randint, eye, ...) come generated from generated/ops.ts.
import { native } from "./native.js";
import { Tensor } from "./tensor.js";
import { dtypeOfTypedArray, type DType, type TypedArray } from "./dtype.js";
import { to } from "./generated/ops.js";

export interface TensorOptions {
  dtype?: DType;
  /** Required for flat TypedArray data of more than one dimension; checked against nested arrays. */
  shape?: number[];
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function shapeOf(data: Nested, path: string): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = shapeOf(data[0], `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const other = shapeOf(data[i], `${path}[${i}]`);
    if (other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      throw new RangeError(`tensor: ragged data: ${path}[${i}] has shape [${other}] but ${path}[0] has [${inner}]`);
    }
  }
  return [data.length, ...inner];
}

function flatten(data: Nested, out: (number | boolean)[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
}

function inferDtype(values: (number | boolean)[]): DType {
  if (values.length > 0 && values.every((v) => typeof v === "boolean")) return "bool";
  if (values.some((v) => typeof v !== "number" && typeof v !== "boolean")) {
    throw new TypeError("tensor: data must hold numbers or booleans");
  }
  return values.every((v) => Number.isInteger(v) || typeof v === "boolean") && values.length > 0 ? "int64" : "float32";
}

// Element storage for dtypes that JS arrays can be written into directly; others go through float64.
function fill(dtype: DType, values: (number | boolean)[]): { data: TypedArray; dtype: DType } {
  const nums = values.map(Number);
  switch (dtype) {
    case "float32": return { data: Float32Array.from(nums), dtype };
    case "float64": return { data: Float64Array.from(nums), dtype };
    case "int64": return { data: BigInt64Array.from(nums, (v) => BigInt(Math.trunc(v))), dtype };
    case "int32": return { data: Int32Array.from(nums), dtype };
    case "int16": return { data: Int16Array.from(nums), dtype };
    case "int8": return { data: Int8Array.from(nums), dtype };
    case "uint8": return { data: Uint8Array.from(nums), dtype };
    case "bool": return { data: Uint8Array.from(nums, (v) => (v !== 0 ? 1 : 0)), dtype };
    default: return { data: Float64Array.from(nums), dtype: "float64" };
  }
}

/**
 * A tensor holding a copy of `data`: a number, a boolean, nested arrays, or a TypedArray (flat,
 * shaped by `options.shape`). Like torch.tensor, integers give int64 and other numbers float32.
 */
export function tensor(data: Nested | TypedArray, options: TensorOptions = {}): Tensor {
  let handle;
  let madeAs: DType;
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    madeAs = typed instanceof Uint16Array ? (options.dtype ?? "float16") : dtypeOfTypedArray(typed);
    const shape = options.shape ?? [typed.length];
    handle = native.fromBuffer(typed, madeAs, shape);
  } else {
    const shape = shapeOf(data, "data");
    if (options.shape && options.shape.join() !== shape.join()) {
      throw new RangeError(`tensor: options.shape [${options.shape}] does not match the data's shape [${shape}]`);
    }
    const values: (number | boolean)[] = [];
    flatten(data, values);
    const filled = fill(options.dtype ?? inferDtype(values), values);
    madeAs = filled.dtype;
    handle = native.fromBuffer(filled.data, madeAs, shape);
  }
  let t = new Tensor(handle);
  if (options.dtype && options.dtype !== madeAs) {
    const cast = to(t, options.dtype);
    t.dispose();
    t = cast;
  }
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A 0-dim tensor holding `value` (torch.scalar_tensor). */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, { dtype });
}
