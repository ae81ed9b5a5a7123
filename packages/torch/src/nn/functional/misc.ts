// The remaining torch.nn.functional names the layers use: one-hot, embedding, normalize, norms.
import type { Tensor } from "../../tensor.js";
import { batchNorm as atenBatchNorm, embedding as atenEmbedding, instanceNorm as atenInstanceNorm, oneHot as atenOneHot } from "../../generated/ops.js";
import { isFloatingDtype } from "../../dtype.js";

export { linear, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, groupNorm, layerNorm } from "../../generated/ops.js";

/** (…) integer labels → (…, numClasses) int64 indicators; numClasses -1 means max + 1. */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  if (isFloatingDtype(labels.dtype)) throw new TypeError(`oneHot: expected integer labels, got ${labels.dtype}`);
  return atenOneHot(labels, numClasses);
}

/** Rows of `weight` picked by integer `indices`; the row paddingIdx gets no gradient. */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  return atenEmbedding(weight, indices, paddingIdx ?? -1);
}

/** x / max(‖x‖_p, eps) along `dim`. */
export function normalize(input: Tensor, { p = 2, dim = 1, eps = 1e-12 } = {}): Tensor {
  return input.div(input.norm(p, [dim], true).clampMin(eps).expandAs(input));
}

export interface BatchNormFunctionalOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** F.batch_norm's argument order: running statistics first, then the affine parameters. */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 }: BatchNormFunctionalOptions = {}): Tensor {
  return atenBatchNorm(input, weight, bias, runningMean, runningVar, training, momentum, eps, false);
}

export interface InstanceNormFunctionalOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalize with the input's statistics (updating the running ones, if given); false uses the running ones. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/** F.instance_norm: statistics per sample and channel. */
export function instanceNorm(input: Tensor, { runningMean = null, runningVar = null, weight = null, bias = null, useInputStats = true,
  momentum = 0.1, eps = 1e-5 }: InstanceNormFunctionalOptions = {}): Tensor {
  return atenInstanceNorm(input, weight, bias, runningMean, runningVar, useInputStats, momentum, eps, false);
}
