// Elementwise activations and Softmax. None has parameters except PReLU.
import type { Tensor } from "../../tensor.js";
import {
  elu, full, gelu, hardsigmoid, hardswish, hardtanh, hardtanh_, leakyRelu, prelu, relu, relu_, sigmoid, silu, softmax, tanh,
} from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkRank } from "../check.js";

/** An elementwise activation: subclasses say how to activate one tensor. */
abstract class Elementwise extends Module {
  protected abstract activate(x: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    checkRank(this, x, 0);
    return this.activate(x);
  }
}

/**
 * `inplace` overwrites the input, as PyTorch's ReLU(inplace=True): it saves an allocation per call and
 * is safe only where nothing else reads the input (after a conv or BatchNorm, whose backward does not).
 */
export class ReLU extends Elementwise {
  constructor(readonly options: { inplace?: boolean } = {}) { super(); }
  protected activate(x: Tensor): Tensor { return this.options.inplace ? relu_(x) : relu(x); }
  protected override extraRepr(): string { return this.options.inplace ? "inplace=True" : ""; }
}

export class ReLU6 extends Elementwise {
  constructor(readonly options: { inplace?: boolean } = {}) { super(); }
  protected activate(x: Tensor): Tensor { return this.options.inplace ? hardtanh_(x, 0, 6) : hardtanh(x, 0, 6); }
  protected override extraRepr(): string { return this.options.inplace ? "inplace=True" : ""; }
}

export class LeakyReLU extends Elementwise {
  constructor(readonly negativeSlope = 0.01) { super(); }
  protected activate(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  protected override extraRepr(): string { return `negative_slope=${this.negativeSlope}`; }
}

export class ELU extends Elementwise {
  constructor(readonly alpha = 1) { super(); }
  protected activate(x: Tensor): Tensor { return elu(x, this.alpha); }
  protected override extraRepr(): string { return `alpha=${this.alpha}`; }
}

export class GELU extends Elementwise {
  constructor(readonly approximate: "none" | "tanh" = "none") { super(); }
  protected activate(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  protected override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class SiLU extends Elementwise {
  protected activate(x: Tensor): Tensor { return silu(x); }
}

export class Hardswish extends Elementwise {
  protected activate(x: Tensor): Tensor { return hardswish(x); }
}

export class Hardsigmoid extends Elementwise {
  protected activate(x: Tensor): Tensor { return hardsigmoid(x); }
}

export class Sigmoid extends Elementwise {
  protected activate(x: Tensor): Tensor { return sigmoid(x); }
}

export class Tanh extends Elementwise {
  protected activate(x: Tensor): Tensor { return tanh(x); }
}

/** max(0, x) + weight · min(0, x), with one weight or one per channel (dimension 1). */
export class PReLU extends Module {
  declare readonly weight: Tensor;
  /** PyTorch's num_parameters (the Module method numParameters() counts elements). */
  readonly numWeights: number;

  constructor({ numParameters = 1, init = 0.25 } = {}) {
    super();
    this.numWeights = numParameters;
    this.registerParameter("weight", full([numParameters], init));
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 0);
    if (this.numWeights > 1 && x.shape[x.ndim >= 2 ? 1 : 0] !== this.numWeights) {
      throw new RangeError(`${this.describe()}: expected input of shape (N, ${this.numWeights}, ...), got [${x.shape.join(", ")}]`);
    }
    return prelu(x, this.weight);
  }

  protected override extraRepr(): string { return `num_parameters=${this.numWeights}`; }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return softmax(x, this.dim);
  }

  protected override extraRepr(): string { return `dim=${this.dim}`; }
}
