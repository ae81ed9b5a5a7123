// Normalizations with per-sample statistics: GroupNorm, LayerNorm, InstanceNorm2d.
import type { Tensor } from "../../tensor.js";
import { groupNorm, instanceNorm, layerNorm, ones, zeros } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkInput, checkRank } from "../check.js";
import { RunningStatsNorm, type BatchNormOptions } from "./batchnorm.js";

/** Normalizes each of numGroups channel groups per sample; input (N, numChannels, ...). */
export class GroupNorm extends Module {
  declare readonly weight: Tensor | null;
  declare readonly bias: Tensor | null;

  readonly eps: number;

  constructor(readonly numGroups: number, readonly numChannels: number, { eps = 1e-5, affine = true } = {}) {
    super();
    this.eps = eps;
    if (!(numGroups >= 1 && numChannels % numGroups === 0)) {
      throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.registerParameter("weight", affine ? ones([numChannels]) : null);
    this.registerParameter("bias", affine ? zeros([numChannels]) : null);
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    checkInput(this, x, [["N", this.numChannels, ...x.shape.slice(2).map((_, i) => `d${i + 1}`)]], this.weight?.dtype);
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps, false);
  }

  protected override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

/** Normalizes over the trailing normalizedShape dimensions of each sample. */
export class LayerNorm extends Module {
  declare readonly weight: Tensor | null;
  declare readonly bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | number[], { eps = 1e-5, elementwiseAffine = true } = {}) {
    super();
    this.normalizedShape = Array.isArray(normalizedShape) ? normalizedShape : [normalizedShape];
    this.eps = eps;
    this.registerParameter("weight", elementwiseAffine ? ones(this.normalizedShape) : null);
    this.registerParameter("bias", elementwiseAffine ? zeros(this.normalizedShape) : null);
  }

  forward(x: Tensor): Tensor {
    checkInput(this, x, [["...", ...this.normalizedShape]], this.weight?.dtype);
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps, false);
  }

  protected override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}

const INSTANCE_NORM_DEFAULTS = { eps: 1e-5, momentum: 0.1, affine: false, trackRunningStats: false };

/**
 * Normalizes each channel of each sample of (N, C, H, W) or (C, H, W). With trackRunningStats the
 * running averages are kept and used in eval mode; num_batches_tracked exists but, as in PyTorch,
 * is not counted.
 */
export class InstanceNorm2d extends RunningStatsNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    const channels = options.affine || options.trackRunningStats ? numFeatures : "C";
    super(numFeatures, [["N", channels, "H", "W"], [channels, "H", "W"]], options, INSTANCE_NORM_DEFAULTS);
  }

  forward(x: Tensor): Tensor {
    const input = this.checked(x);
    const unbatched = input.ndim === 3;
    const y = instanceNorm(unbatched ? input.unsqueeze(0) : input, this.weight, this.bias, this.running_mean, this.running_var,
      this.training || !this.trackRunningStats, this.momentum ?? 0, this.eps, false);
    return unbatched ? y.squeeze(0) : y;
  }
}
