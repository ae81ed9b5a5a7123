// Dropout variants: active in train mode only, scaling kept units by 1/(1-p).
import type { Tensor } from "../../tensor.js";
import { Module } from "../module.js";
import { checkRank } from "../check.js";
import { dropPath, dropout, dropout2d } from "../functional/dropout.js";

abstract class DropoutBase extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${this.constructor.name}: p must be in [0, 1], got ${p}`);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes each element with probability p. */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    checkRank(this, x, 0);
    return dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of (N, C, H, W) or (C, H, W) inputs with probability p. */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return dropout2d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability p. */
export class Dropout3d extends DropoutBase {
  forward(x: Tensor): Tensor {
    checkRank(this, x, 4);
    return dropout2d(x, this.p, this.training);
  }
}

/** Stochastic depth: drops a residual branch per sample with probability p (timm's DropPath). */
export class DropPath extends DropoutBase {
  constructor(p = 0, readonly scaleByKeep = true) {
    super(p);
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return dropPath(x, this.p, this.training, this.scaleByKeep);
  }
}
