// Dropout functions (torch.nn.functional names, PyTorch argument order).
import type { Tensor } from "../../tensor.js";
import { dropout as atenDropout, featureDropout, empty } from "../../generated/ops.js";
import { tidy } from "../../scope.js";

/** Zeroes elements with probability p and scales the rest by 1/(1-p) when `training`. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  return atenDropout(input, p, training);
}

/** Zeroes whole channels (dimension 1 of (N, C, ...)) with probability p when `training`. */
export function dropout2d(input: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout(input, p, training);
}

/**
 * Stochastic depth: keeps each sample's whole tensor with probability 1-p (scaled by 1/(1-p) when
 * `scaleByKeep`), as timm's drop_path; the identity outside training or when p is 0.
 */
export function dropPath(input: Tensor, p = 0, training = false, scaleByKeep = true): Tensor {
  if (p === 0 || !training) return input;
  const keep = 1 - p;
  return tidy(() => {
    const mask = empty([input.shape[0], ...Array<number>(input.ndim - 1).fill(1)], { dtype: input.dtype }).bernoulli_(keep);
    if (keep > 0 && scaleByKeep) mask.div_(keep);
    return input.mul(mask);
  });
}
