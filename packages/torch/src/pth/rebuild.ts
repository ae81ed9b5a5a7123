// Turns pickled tensor windows into tensors. Each tensor is gathered into its own contiguous buffer, so
// tensors sharing a storage (views, offsets, non-contiguous strides) load as correct independent copies.
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import type { TensorRef } from "./globals.js";

export const ELEMENT_BYTES: Partial<Record<DType, number>> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d];
  }
  return true;
}

/** Builds the tensor `ref` describes from its storage's bytes; `where` names the file and key in errors. */
export function materializeTensor(ref: TensorRef, storageBytes: Uint8Array, where: string): Tensor {
  const elementBytes = ELEMENT_BYTES[ref.storage.dtype];
  if (elementBytes === undefined) throw new Error(`${where}: dtype ${ref.storage.dtype} is not supported`);
  const available = Math.floor(storageBytes.length / elementBytes);
  const count = ref.size.reduce((a, b) => a * b, 1);
  if (count > 0) {
    const last = ref.offset + ref.size.reduce((acc, n, i) => acc + (n - 1) * ref.stride[i], 0);
    if (last >= available) {
      throw new Error(`${where}: storage "${ref.storage.key}" holds ${available} elements, but shape [${ref.size}] with stride [${ref.stride}] at offset ${ref.offset} reaches element ${last}`);
    }
  }
  if (isContiguous(ref.size, ref.stride)) {
    const start = ref.offset * elementBytes;
    return new Tensor(native.fromBuffer(storageBytes.subarray(start, start + count * elementBytes), ref.storage.dtype, ref.size));
  }
  const out = new Uint8Array(count * elementBytes);
  const index = new Array<number>(ref.size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = ref.offset;
    for (let d = 0; d < index.length; d++) element += index[d] * ref.stride[d];
    out.set(storageBytes.subarray(element * elementBytes, (element + 1) * elementBytes), i * elementBytes);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < ref.size[d]) break;
      index[d] = 0;
    }
  }
  return new Tensor(native.fromBuffer(out, ref.storage.dtype, ref.size));
}
