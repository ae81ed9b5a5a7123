// Linear (fully connected) layer and Identity.
import type { Tensor } from "../../tensor.js";
import { empty, linear } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkInput } from "../check.js";
import { kaimingUniform, uniform } from "../init.js";

/** y = x Wᵀ + b over the last dimension; x is (*, inFeatures). */
export class Linear extends Module {
  declare readonly weight: Tensor;
  declare readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, { bias = true } = {}) {
    super();
    // PyTorch's reset_parameters: U(±1/√inFeatures) for both.
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.registerParameter("weight", kaimingUniform(empty([outFeatures, inFeatures]), { a: Math.sqrt(5) }));
    this.registerParameter("bias", bias ? uniform(empty([outFeatures]), -bound, bound) : null);
  }

  forward(x: Tensor): Tensor {
    checkInput(this, x, [["...", this.inFeatures]], this.weight.dtype);
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input (a placeholder where a model may or may not have a layer). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
