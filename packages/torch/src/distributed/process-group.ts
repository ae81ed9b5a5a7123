// A c10d process group: PyTorch's TCPStore rendezvous and ProcessGroupGloo, formed as
// torch.distributed.init_process_group("gloo", init_method="env://") forms its default group, so
// Python ranks may join it. Collectives return promises; their waiting runs off the event loop.
import { native, type NativeGroup } from "../native.js";
import { Tensor } from "../tensor.js";
import { rendezvousConfig, type RendezvousOptions } from "./rendezvous.js";

/** Gloo reduces with sum and max; "average" is the sum divided by the world size (Gloo has no average). */
export type ReduceOp = "sum" | "max" | "average";

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  #handle: NativeGroup | null;
  readonly #pending = new Set<Promise<unknown>>();

  /** Wraps a formed native group; groups are made by initProcessGroup. */
  constructor(handle: NativeGroup, rank: number, worldSize: number) {
    this.#handle = handle;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  /** Reduces `tensor` (CPU, contiguous) across the ranks, in place on every rank. */
  allReduce(tensor: Tensor, op: ReduceOp = "sum"): Promise<void> {
    return this.#run("allReduce", (group) => native.distAllReduce(group, tensor.live("allReduce"), op));
  }

  /** Copies rank `root`'s `tensor` into every rank's `tensor`, in place. */
  broadcast(tensor: Tensor, root = 0): Promise<void> {
    return this.#run("broadcast", (group) => native.distBroadcast(group, tensor.live("broadcast"), root));
  }

  /** Every rank's `tensor` (same shape and dtype on all) stacked along a new first dimension, in rank order; the caller owns it. */
  async allGather(tensor: Tensor): Promise<Tensor> {
    return new Tensor(await this.#run("allGather", (group) => native.distAllGather(group, tensor.live("allGather"))));
  }

  /** Resolves once every rank has called barrier(). */
  barrier(): Promise<void> {
    return this.#run("barrier", (group) => native.distBarrier(group));
  }

  /** Leaves the group once this rank's collectives have settled; later calls fail. Safe to call twice. */
  async destroy(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    await Promise.allSettled(this.#pending);
    await native.distDestroy(handle);
  }

  get isDestroyed(): boolean { return this.#handle === null; }

  /** The native group, for the data-parallel parts built on it; an error naming `op` once destroyed. */
  nativeHandle(op: string): NativeGroup {
    if (this.#handle === null) throw new Error(`${op}: the process group has been destroyed`);
    return this.#handle;
  }

  #run<T>(op: string, start: (group: NativeGroup) => Promise<T>): Promise<T> {
    if (this.#handle === null) return Promise.reject(new Error(`${op}: the process group has been destroyed`));
    let running: Promise<T>;
    try {
      running = start(this.#handle);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#pending.add(running);
    const forget = () => this.#pending.delete(running);
    running.then(forget, forget);
    return running;
  }
}

/** c10d's backends: Gloo takes CPU tensors, NCCL CUDA ones. */
export type Backend = "gloo" | "nccl";

/** The backend for tensors on `device`, as torch.distributed pairs them: NCCL for CUDA, Gloo otherwise. */
export function backendFor(device: string): Backend {
  return device.startsWith("cuda") ? "nccl" : "gloo";
}

/**
 * Forms the default process group, as torch.distributed.init_process_group with env:// does; every
 * rank calls it. Options override the environment (see RendezvousOptions).
 */
export async function initProcessGroup(options: Partial<RendezvousOptions> & { backend?: Backend } = {}): Promise<ProcessGroup> {
  const { backend = "gloo", ...rendezvous } = options;
  // The addon's group is ProcessGroupGloo. NCCL (c10d's ProcessGroupNCCL) needs the addon compiled
  // against a CUDA libtorch, which cannot be built or tested here: it is refused, not emulated.
  if (backend !== "gloo") throw new Error(`initProcessGroup: backend ${backend} is not implemented: this addon's process group is Gloo (CPU tensors) only`);
  const config = rendezvousConfig(rendezvous);
  return new ProcessGroup(await native.distInit(config), config.rank, config.worldSize);
}
