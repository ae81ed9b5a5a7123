// Adam (with AMSGrad) and AdamW: torch.optim.Adam / AdamW (1.13, single-tensor path). AdamW differs
// only in decaying the weights directly instead of adding the decay to the gradient.
import type { Tensor } from "../tensor.js";
import { zerosLike, maximum } from "../generated/ops.js";
import { inRange, nonNegative } from "./hyper.js";
import { Optimizer, type ParamGroupSpec, type ParamState, type ParamGroup } from "./optimizer.js";

export type AdamOptions = {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
};

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

export class Adam extends Optimizer<AdamOptions> {
  /** AdamW sets this: weights shrink by lr·weightDecay before the update, the gradient is left alone. */
  protected readonly decoupledDecay: boolean = false;

  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], options: Partial<AdamOptions> = {}, name = "Adam", defaults = ADAM_DEFAULTS) {
    super(name, params, defaults, options);
  }

  protected check(h: AdamOptions, where: string): void {
    nonNegative(h.lr, "lr", where);
    nonNegative(h.eps, "eps", where);
    nonNegative(h.weightDecay, "weightDecay", where);
    inRange(h.betas[0], "betas[0]", where, 0, 1);
    inRange(h.betas[1], "betas[1]", where, 0, 1);
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<AdamOptions>): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = zerosLike(param).keep();
      state.exp_avg_sq = zerosLike(param).keep();
      if (g.amsgrad) state.max_exp_avg_sq = zerosLike(param).keep();
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = g.betas;
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) {
      if (this.decoupledDecay) param.mul_(1 - g.lr * g.weightDecay);
      else d = d.add(param, { alpha: g.weightDecay });
    }
    const expAvg = state.exp_avg as Tensor;
    const expAvgSq = state.exp_avg_sq as Tensor;
    expAvg.mul_(beta1).add_(d, { alpha: 1 - beta1 });
    expAvgSq.mul_(beta2).addcmul_(d, d, { value: 1 - beta2 });
    const stepSize = g.lr / (1 - beta1 ** step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
    let second = expAvgSq;
    if (g.amsgrad) {
      // A state saved without amsgrad starts its running maximum here.
      state.max_exp_avg_sq ??= zerosLike(param).keep();
      second = state.max_exp_avg_sq as Tensor;
      maximum(second, expAvgSq, { out: second });
    }
    const denom = second.sqrt().div_(bias2Sqrt).add_(g.eps);
    param.addcdiv_(expAvg, denom, { value: -stepSize });
  }
}

export class AdamW extends Adam {
  protected override readonly decoupledDecay = true;

  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, options, "AdamW", { ...ADAM_DEFAULTS, weightDecay: 1e-2 });
  }
}
