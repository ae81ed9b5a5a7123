// Batch normalization over the channel dimension (dimension 1), with running statistics for eval,
// and the base it shares with InstanceNorm.
import type { Tensor } from "../../tensor.js";
import { noGrad } from "../../autograd.js";
import { batchNorm, ones, zeros } from "../../generated/ops.js";
import { tensor } from "../../creation.js";
import { Module } from "../module.js";
import { checkInput, type ShapePattern } from "../check.js";
import { syncBatchNorm } from "../../distributed/sync-batch-norm.js";
import type { ProcessGroup } from "../../distributed/process-group.js";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel scale (weight) and shift (bias). */
  affine?: boolean;
  /** Keep running_mean/running_var (used in eval mode); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * What BatchNorm and InstanceNorm share (PyTorch's _NormBase): optional affine parameters and optional
 * running statistics, with PyTorch's names (running_mean, running_var, num_batches_tracked).
 */
export abstract class RunningStatsNorm extends Module {
  declare readonly weight: Tensor | null;
  declare readonly bias: Tensor | null;
  declare readonly running_mean: Tensor | null;
  declare readonly running_var: Tensor | null;
  declare readonly num_batches_tracked: Tensor | null;
  readonly eps: number;
  /** Writable as in PyTorch: null turns the running statistics into a cumulative average (BN re-estimation). */
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, readonly patterns: ShapePattern[], options: BatchNormOptions, defaults: Required<BatchNormOptions>) {
    super();
    this.eps = options.eps ?? defaults.eps;
    this.momentum = options.momentum === undefined ? defaults.momentum : options.momentum;
    this.affine = options.affine ?? defaults.affine;
    this.trackRunningStats = options.trackRunningStats ?? defaults.trackRunningStats;
    this.registerParameter("weight", this.affine ? ones([numFeatures]) : null);
    this.registerParameter("bias", this.affine ? zeros([numFeatures]) : null);
    const track = this.trackRunningStats;
    this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? tensor(0, { dtype: "int64" }) : null);
  }

  protected override optionalStateKeys(): string[] {
    return ["num_batches_tracked"];
  }

  /** PyTorch's reset_running_stats: mean 0, variance 1, no batches tracked. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  protected checked(x: unknown): Tensor {
    checkInput(this, x, this.patterns, (this.weight ?? this.running_mean)?.dtype);
    return x;
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

const BATCH_NORM_DEFAULTS = { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true };

/** Batch normalization for inputs laid out as `patterns`; use BatchNorm1d, 2d or 3d. */
export class BatchNormNd extends RunningStatsNorm {
  constructor(numFeatures: number, patterns: ShapePattern[], options: BatchNormOptions = {}) {
    super(numFeatures, patterns, options, BATCH_NORM_DEFAULTS);
  }

  /**
   * Set by foldBatchNormIntoConv: the conv before this norm now computes both, so forward passes its
   * input through (in eval mode; a folded norm cannot train).
   */
  folded = false;

  /** Set by convertSyncBatchNorm: training statistics over the batches of every rank of this group (SyncBatchNorm). */
  syncGroup: ProcessGroup | null = null;

  forward(x: Tensor): Tensor {
    this.checked(x);
    if (this.folded) {
      if (this.training) throw new Error(`${this.describe()}: folded into the convolution before it, it cannot train`);
      return x;
    }
    if (this.training && x.numel() === x.shape[1]) {
      throw new RangeError(`${this.describe()}: expected more than 1 value per channel when training, got input of shape [${x.shape.join(", ")}]`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked !== null) {
      const counter = this.num_batches_tracked;
      noGrad(() => counter.add_(1));
      if (this.momentum === null) factor = 1 / counter.item();
    }
    // Batch statistics in training (updating the running ones, when tracked), and in eval too when
    // there are no running statistics.
    const useBatchStats = this.training || this.running_mean === null;
    if (this.training && this.syncGroup !== null) {
      return syncBatchNorm(this.syncGroup, x, this.weight, this.bias, this.running_mean, this.running_var, factor, this.eps);
    }
    return batchNorm(x, this.weight, this.bias, this.running_mean, this.running_var, useBatchStats, factor, this.eps, false);
  }
}

export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [["N", numFeatures], ["N", numFeatures, "L"]], options);
  }
}

export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [["N", numFeatures, "H", "W"]], options);
  }
}

export class BatchNorm3d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [["N", numFeatures, "D", "H", "W"]], options);
  }
}
