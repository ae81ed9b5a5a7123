// A tensor's size along one axis, for shapes computed from other tensors' shapes. Outside a recording
// it is the number. While a forward pass is recorded it is a RecordedSize: the graph computes it
// (aten::size, libtorch's tracer records it as Python's tensor.size(dim) does while tracing), and an
// int list argument holding it (reshape's shape, expand's size, ...) takes the computed value
// instead of a constant, so the exported graph follows that axis at other input sizes. Arithmetic
// on sizes is not recorded: compute with `.shape` where a number is needed.
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import { isRecording } from "./recording-guard.js";

export class RecordedSize {
  /** `size` is the 0-dim int64 tensor the tracer tied to the graph's aten::size. */
  constructor(readonly value: number, readonly size: Tensor) {}

  toString(): string {
    return `sizeOf(${this.value})`;
  }
}

/** An int-list item: a number, or a size the recorded graph computes. */
export type Size = number | RecordedSize;

/** The size of `t` along `dim` (negative counts from the end); while recording, computed by the graph. */
export function sizeOf(t: Tensor, dim: number): Size {
  const rank = t.ndim;
  if (!(Number.isInteger(dim) && dim >= -rank && dim < rank)) throw new RangeError(`sizeOf: dim ${dim} is out of range for a tensor of rank ${rank}`);
  const axis = dim < 0 ? dim + rank : dim;
  const value = t.shape[axis];
  return isRecording() ? new RecordedSize(value, new Tensor(native.traceSizeOf(t.live("sizeOf"), axis))) : value;
}
