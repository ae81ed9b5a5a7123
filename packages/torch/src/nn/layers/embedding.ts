// Embedding: a lookup table of numEmbeddings vectors, indexed by integer tensors.
import type { Tensor } from "../../tensor.js";
import { noGrad } from "../../autograd.js";
import { tidy } from "../../scope.js";
import { embedding, empty } from "../../generated/ops.js";
import { isFloatingDtype } from "../../dtype.js";
import { Module } from "../module.js";
import { checkRank } from "../check.js";
import { normal } from "../init.js";

export class Embedding extends Module {
  declare readonly weight: Tensor;
  readonly paddingIdx: number | null;

  /** paddingIdx (may be negative, counted from the end) gets a zero row that receives no gradient. */
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, { paddingIdx = null as number | null } = {}) {
    super();
    if (paddingIdx !== null && !(paddingIdx >= -numEmbeddings && paddingIdx < numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${paddingIdx} is outside [-${numEmbeddings}, ${numEmbeddings})`);
    }
    this.paddingIdx = paddingIdx === null || paddingIdx >= 0 ? paddingIdx : numEmbeddings + paddingIdx;
    const weight = normal(empty([numEmbeddings, embeddingDim]));
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => weight.select(0, row).fill_(0));
    }
    this.registerParameter("weight", weight);
  }

  forward(indices: Tensor): Tensor {
    checkRank(this, indices, 0, "indices");
    if (isFloatingDtype(indices.dtype) || indices.dtype === "bool") {
      throw new TypeError(`${this.describe()}: expected integer indices (int64 or int32), got ${indices.dtype}`);
    }
    if (indices.numel() > 0) {
      const [low, high] = tidy(() => [indices.min().item(), indices.max().item()]);
      if (low < 0 || high >= this.numEmbeddings) {
        throw new RangeError(`${this.describe()}: indices must be in [0, ${this.numEmbeddings}), got values from ${low} to ${high}`);
      }
    }
    return embedding(this.weight, indices, this.paddingIdx ?? -1);
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, padding_idx=${this.paddingIdx}`}`;
  }
}
