// Distributed data parallel, as torch.nn.parallel.DistributedDataParallel: every rank holds the whole
// model and trains on its own part of each batch; libtorch's c10d::Reducer (native/data_parallel.cc)
// averages the gradients across ranks in buckets, starting each bucket's all-reduce during backward
// as soon as its gradients are ready, so communication overlaps the rest of backward. Forward stays
// the module's own: the caller awaits beforeForward() first, where PyTorch's DDP forward copies rank
// 0's buffers to every rank.
import { isGradEnabled } from "../autograd.js";
import { native, type NativeDataParallel } from "../native.js";
import type { Module } from "../nn/module.js";
import type { Tensor } from "../tensor.js";
import { broadcastCoalesced } from "./broadcast-coalesced.js";
import type { ProcessGroup } from "./process-group.js";
import { checkSameModel } from "./same-model.js";

export interface DataParallelOptions {
  /** Upper size of a gradient bucket in MiB (PyTorch's bucket_cap_mb; default 25). */
  bucketCapMb?: number;
  /**
   * Parameters that get no gradient in an iteration are found by walking the graph from the loss
   * (PyTorch's find_unused_parameters); without it such a parameter stops training with an error
   * naming it at the next backward.
   */
  findUnusedParameters?: boolean;
  /**
   * beforeForward() copies rank 0's buffers (BatchNorm's running statistics, ...) to every rank, as
   * PyTorch's broadcast_buffers does at the start of each forward (default true). Turn it off when
   * the buffers agree anyway (every BatchNorm a SyncBatchNorm) or should stay each rank's own.
   */
  broadcastBuffers?: boolean;
}

export class DistributedDataParallel {
  #handle: NativeDataParallel | null;
  #syncing = true;
  // PyTorch's require_forward_param_sync: whether the last forward was a synchronized training one
  // (grad mode on, outside noSync); true before the first.
  #buffersDue = true;

  private constructor(readonly module: Module, readonly group: ProcessGroup, handle: NativeDataParallel, readonly broadcastBuffers: boolean) {
    this.#handle = handle;
  }

  /**
   * Wraps `module` for training over `group`; every rank calls it. Checks that all ranks hold the
   * same model (names, shapes, dtypes), then copies rank 0's parameters and buffers to every rank.
   */
  static async create(module: Module, group: ProcessGroup, options: DataParallelOptions = {}): Promise<DistributedDataParallel> {
    const { bucketCapMb = 25, findUnusedParameters = false, broadcastBuffers = true } = options;
    if (!(bucketCapMb > 0)) throw new RangeError(`DistributedDataParallel: bucketCapMb must be positive, got ${bucketCapMb}`);
    await checkSameModel(module, group);
    const trained = [...module.namedParameters()].filter(([, p]) => p.requiresGrad);
    const handle = await native.ddpCreate(group.nativeHandle("DistributedDataParallel"),
      trained.map(([, p]) => p.live("DistributedDataParallel")), trained.map(([name]) => name),
      module.buffers().map((b) => b.live("DistributedDataParallel")), Math.round(bucketCapMb * 2 ** 20), findUnusedParameters);
    return new DistributedDataParallel(module, group, handle, broadcastBuffers);
  }

  /**
   * Await before each forward of the module (inside noSync for its forwards too), as PyTorch's DDP
   * forward begins: with broadcastBuffers, when the previous forward was a synchronized training
   * one (or there was none), every rank's buffers take rank 0's values. Every rank must call it.
   */
  async beforeForward(): Promise<void> {
    if (this.#handle === null) throw new Error("DistributedDataParallel.beforeForward: destroyed");
    const buffers = this.module.buffers();
    if (this.broadcastBuffers && this.#buffersDue && buffers.length > 0) await broadcastCoalesced(this.group, buffers);
    this.#buffersDue = this.#syncing && isGradEnabled();
  }

  /**
   * Runs backward from `loss` off the event loop; the promise settles once every parameter's .grad
   * holds the average over the ranks (inside noSync: this rank's own gradient, accumulated).
   */
  backward(loss: Tensor): Promise<void> {
    if (this.#handle === null) return Promise.reject(new Error("DistributedDataParallel.backward: destroyed"));
    try {
      return native.ddpBackward(this.#handle, loss.live("backward"), this.#syncing);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Gradient accumulation (PyTorch's no_sync): backward calls made while `fn` runs only accumulate
   * into .grad; the next backward outside averages the accumulated sum across the ranks.
   */
  async noSync<T>(fn: () => T | Promise<T>): Promise<T> {
    const before = this.#syncing;
    this.#syncing = false;
    try {
      return await fn();
    } finally {
      this.#syncing = before;
    }
  }

  /** Removes the gradient hooks from the parameters; the model itself stays usable. Safe to call twice. */
  destroy(): void {
    if (this.#handle === null) return;
    native.ddpDestroy(this.#handle);
    this.#handle = null;
  }
}
