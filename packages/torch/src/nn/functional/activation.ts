// Activation functions (torch.nn.functional names; the aten ops where the order is the same).
import type { Tensor } from "../../tensor.js";
import type { DType } from "../../dtype.js";
import { hardtanh, logSoftmax as atenLogSoftmax, softmax as atenSoftmax } from "../../generated/ops.js";

export {
  relu, leakyRelu, elu, gelu, silu, hardswish, hardsigmoid, sigmoid, tanh, prelu, hardtanh,
} from "../../generated/ops.js";

export function relu6(input: Tensor): Tensor {
  return hardtanh(input, 0, 6);
}

/** Softmax along `dim`, optionally computed in `dtype`. */
export function softmax(input: Tensor, dim: number, dtype?: DType): Tensor {
  return atenSoftmax(input, dim, dtype ?? null);
}

export function logSoftmax(input: Tensor, dim: number, dtype?: DType): Tensor {
  return atenLogSoftmax(input, dim, dtype ?? null);
}
