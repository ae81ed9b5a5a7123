// TensorFlow's "SAME" padding, as timm's pad_same applies it before its *Same convs and pools: the
// output side is ceil(input / stride) and the padding it takes goes half before, the rest after, so
// it depends on the input size (an odd side at stride 2 pads one less than an even one).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** [before, after] padding of one side of length `size`. */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [total >> 1, total - (total >> 1)];
}

/** x (N, C, H, W) padded with `value` for a square `kernel` at `stride`. */
export function padSame(x: Tensor, kernel: number, stride: number, value = 0): Tensor {
  const [top, bottom] = samePadding(x.shape[2], kernel, stride);
  const [left, right] = samePadding(x.shape[3], kernel, stride);
  return top + bottom + left + right === 0 ? x : torch.constantPadNd(x, [left, right, top, bottom], value);
}
