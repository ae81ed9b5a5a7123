// Gradient clipping in place, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13).
import { Tensor } from "../tensor.js";
import { tidy } from "../scope.js";
import { noGrad } from "../autograd.js";
import { stack, linalgVectorNorm } from "../generated/ops.js";

function gradsOf(params: Tensor[], where: string): Tensor[] {
  if (!Array.isArray(params)) throw new TypeError(`${where}: params must be an array of tensors`);
  return params.map((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a Tensor`);
    return p.grad;
  }).filter((g): g is Tensor => g !== null);
}

/**
 * Scales the gradients so that their joint norm (of type normType: a number p >= 1 or Infinity) is at
 * most maxNorm, and returns that norm before clipping (0 when no parameter has a gradient). With
 * errorIfNonfinite a NaN or infinite norm is an error instead.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number, { normType = 2, errorIfNonfinite = false }: { normType?: number; errorIfNonfinite?: boolean } = {}): number {
  const where = "clipGradNorm";
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm) || maxNorm < 0) throw new RangeError(`${where}: maxNorm must be a number >= 0, got ${maxNorm}`);
  if (typeof normType !== "number" || Number.isNaN(normType) || normType <= 0) throw new RangeError(`${where}: normType must be a positive number or Infinity, got ${normType}`);
  const grads = gradsOf(params, where);
  if (grads.length === 0) return 0;
  return tidy(() => noGrad(() => {
    // The norm of the per-tensor norms is the norm of all elements together (max of maxes for Infinity).
    const norms = grads.map((g) => linalgVectorNorm(g, normType));
    const total = linalgVectorNorm(stack(norms), normType);
    const value = total.item();
    if (errorIfNonfinite && !Number.isFinite(value)) {
      throw new RangeError(`${where}: the total norm of order ${normType} of the gradients is ${value}; set errorIfNonfinite to false to clip anyway`);
    }
    const coef = total.add(1e-6).reciprocal_().mul_(maxNorm).clamp_(null, 1);
    for (const g of grads) g.mul_(coef);
    return value;
  }));
}

/** Clamps every gradient element into [-clipValue, clipValue]. */
export function clipGradValue(params: Tensor[], clipValue: number): void {
  if (typeof clipValue !== "number" || Number.isNaN(clipValue) || clipValue < 0) {
    throw new RangeError(`clipGradValue: clipValue must be a number >= 0, got ${clipValue}`);
  }
  noGrad(() => {
    for (const g of gradsOf(params, "clipGradValue")) g.clamp_(-clipValue, clipValue);
  });
}
