// SyncBatchNorm's training forward: batch normalization with the statistics of every rank's batch
// (native/sync_batch_norm.cc, a libtorch autograd function whose backward all-reduces too).
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import type { ProcessGroup } from "./process-group.js";

/** Normalizes `input` (N, C, ...) with the mean and variance over the batches of all ranks of `group`. */
export function syncBatchNorm(group: ProcessGroup, input: Tensor, weight: Tensor | null, bias: Tensor | null,
  runningMean: Tensor | null, runningVar: Tensor | null, momentum: number, eps: number): Tensor {
  return new Tensor(native.syncBatchNorm(group.nativeHandle("syncBatchNorm"), input.live("syncBatchNorm"),
    weight?.live("syncBatchNorm") ?? null, bias?.live("syncBatchNorm") ?? null,
    runningMean?.live("syncBatchNorm") ?? null, runningVar?.live("syncBatchNorm") ?? null, momentum, eps));
}
