// RMSprop, plain, centered and with momentum: torch.optim.RMSprop (1.13).
import type { Tensor } from "../tensor.js";
import { zerosLike } from "../generated/ops.js";
import { nonNegative } from "./hyper.js";
import { Optimizer, type ParamGroupSpec, type ParamState, type ParamGroup } from "./optimizer.js";

export type RMSpropOptions = {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
};

const DEFAULTS: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Tensor[] | ParamGroupSpec<RMSpropOptions>[], options: Partial<RMSpropOptions> = {}) {
    super("RMSprop", params, DEFAULTS, options);
  }

  protected check(h: RMSpropOptions, where: string): void {
    for (const key of ["lr", "alpha", "eps", "weightDecay", "momentum"] as const) nonNegative(h[key], key, where);
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<RMSpropOptions>): void {
    if (state.step === undefined) {
      state.step = 0;
      state.square_avg = zerosLike(param).keep();
    }
    // Buffers a group needs are made when first needed, so a group switched to momentum or centered works.
    if (g.momentum > 0) state.momentum_buffer ??= zerosLike(param).keep();
    if (g.centered) state.grad_avg ??= zerosLike(param).keep();
    state.step = (state.step as number) + 1;
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(param, { alpha: g.weightDecay });
    const squareAvg = (state.square_avg as Tensor).mul_(g.alpha).addcmul_(d, d, { value: 1 - g.alpha });
    let avg: Tensor;
    if (g.centered) {
      const gradAvg = (state.grad_avg as Tensor).mul_(g.alpha).add_(d, { alpha: 1 - g.alpha });
      avg = squareAvg.addcmul(gradAvg, gradAvg, { value: -1 }).sqrt_();
    } else {
      avg = squareAvg.sqrt();
    }
    avg.add_(g.eps);
    if (g.momentum > 0) {
      const buf = (state.momentum_buffer as Tensor).mul_(g.momentum).addcdiv_(d, avg);
      param.add_(buf, { alpha: -g.lr });
    } else {
      param.addcdiv_(d, avg, { value: -g.lr });
    }
  }
}
