// PyTorch's SyncBatchNorm.convert_sync_batchnorm: every BatchNorm of a model takes its training
// statistics over all ranks of a group from then on.
import { BatchNormNd } from "../nn/layers/batchnorm.js";
import type { Module } from "../nn/module.js";
import type { ProcessGroup } from "./process-group.js";

/** Makes every BatchNorm1d/2d/3d in `model` a SyncBatchNorm over `group`; returns how many there were. */
export function convertSyncBatchNorm(model: Module, group: ProcessGroup): number {
  let converted = 0;
  for (const m of model.modules()) {
    if (!(m instanceof BatchNormNd)) continue;
    m.syncGroup = group;
    converted++;
  }
  return converted;
}
