// SGD with momentum, dampening, Nesterov momentum and weight decay: torch.optim.SGD (1.13).
import type { Tensor } from "../tensor.js";
import { nonNegative } from "./hyper.js";
import { Optimizer, type ParamGroupSpec, type ParamState, type ParamGroup } from "./optimizer.js";

export type SGDOptions = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
};

const DEFAULTS: SGDOptions = { lr: NaN, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

export class SGD extends Optimizer<SGDOptions> {
  /** `lr` is required, as in PyTorch. */
  constructor(params: Tensor[] | ParamGroupSpec<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super("SGD", params, DEFAULTS, options);
  }

  protected check(h: SGDOptions, where: string): void {
    if (Number.isNaN(h.lr)) throw new TypeError(`${where}: lr is required`);
    nonNegative(h.lr, "lr", where);
    nonNegative(h.momentum, "momentum", where);
    nonNegative(h.dampening, "dampening", where);
    nonNegative(h.weightDecay, "weightDecay", where);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new RangeError(`${where}: nesterov needs momentum > 0 and dampening 0`);
    }
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<SGDOptions>): void {
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(param, { alpha: g.weightDecay });
    if (g.momentum !== 0) {
      let buf = state.momentum_buffer as Tensor | undefined;
      if (buf === undefined) {
        buf = d.clone().keep();
        state.momentum_buffer = buf;
      } else {
        buf.mul_(g.momentum).add_(d, { alpha: 1 - g.dampening });
      }
      d = g.nesterov ? d.add(buf, { alpha: g.momentum }) : buf;
    }
    param.add_(d, { alpha: -g.lr });
  }
}
