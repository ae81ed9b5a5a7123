// The data loader: batches of N×3×H×W float32 images and N×H×W int64 labels, shuffled and
// augmented reproducibly from `seed` (same seed → same batches, whatever the number of workers).
// With workers > 0, decoding and augmentation run in worker threads while the caller trains; at
// most `prefetch` batches are in flight or waiting, which bounds memory. Workers are unref'd
// whenever nothing is in flight, so a process that forgets close() still exits. A worker that exits
// (cleanly or not) fails the batches it held, naming their samples, and stops the loader: its other
// workers are terminated and later requests fail with the same reason. Workers rebuild the dataset and
// pipeline from their configs, so they know the built-in registrations only (and what a preloaded
// module, `node --import`, registers).
import { Worker } from "node:worker_threads";
import { distributed, type Tensor } from "@segkit/torch";
import type { Config } from "../../config/registry.js";
import { Rng } from "../rng.js";
import { batchTensors } from "../to-tensors.js";
import type { PanopticTarget } from "../segments/types.js";
import type { Dataset, SampleMeta } from "../types.js";
import { BatchMaker, sampleName, type StackedBatch } from "./batch-maker.js";
import type { BatchRequest } from "./worker.js";

export interface LoaderOptions {
  dataset: Config;
  pipeline?: Config[];
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  seed?: number;
  /** Worker threads; 0 does everything on the calling thread. */
  workers?: number;
  /** Batches in flight or ready at once (default 2 per worker). */
  prefetch?: number;
  /**
   * Leave out samples that fail to load or transform (warning through `warn`), counted in
   * `skipped`. Files missing at listing time are the dataset config's own `skipBad`.
   */
  skipBad?: boolean;
  warn?: (message: string) => void;
  /**
   * Distributed: this rank's share of each epoch's order (the same order on every rank), as
   * PyTorch's DistributedSampler takes it: "pad" (training) repeats samples so that every rank gets
   * as many, "keep" (evaluation) sees every sample exactly once. Augmentation is seeded per sample,
   * so a sample comes out the same whichever rank makes it.
   */
  shard?: { rank: number; worldSize: number; remainder: "pad" | "keep" };
}

export interface Batch {
  images: Tensor;
  labels: Tensor;
  meta: SampleMeta[];
  /** Each sample's segments (panoptic datasets), for models that train on them. */
  panoptic: PanopticTarget[] | null;
}

interface Reply {
  job: number;
  batch?: StackedBatch;
  error?: string;
}

/** A batch asked of a worker: how to answer it, and what it holds in case the worker dies. */
interface Asked {
  resolve: (reply: Reply) => void;
  worker: Worker;
  indices: number[];
}

export class DataLoader {
  readonly dataset: Dataset;
  readonly batchSize: number;
  /** Samples left out under skipBad, with the reason. */
  readonly skipped: { index: number; reason: string }[] = [];
  private readonly maker: BatchMaker;
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, Asked>();
  /** Why no batch can be made any more (a worker exited), or null. */
  private stopped: string | null = null;
  private nextJob = 0;
  private readonly opts: Required<Omit<LoaderOptions, "warn" | "shard">> & Pick<LoaderOptions, "warn" | "shard">;

  constructor(options: LoaderOptions) {
    const workers = options.workers ?? 0;
    this.opts = {
      pipeline: [], batchSize: 1, shuffle: false, dropLast: false, seed: 0, prefetch: Math.max(2 * workers, 1), skipBad: false, workers, ...options,
    };
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1) throw new Error(`loader: "batchSize" must be a positive integer, got ${this.opts.batchSize}`);
    if (!Number.isInteger(workers) || workers < 0) throw new Error(`loader: "workers" must be a non-negative integer, got ${workers}`);
    if (!Number.isInteger(this.opts.prefetch) || this.opts.prefetch < 1) throw new Error(`loader: "prefetch" must be a positive integer, got ${this.opts.prefetch}`);
    this.batchSize = this.opts.batchSize;
    const shard = this.opts.shard;
    if (shard && !(Number.isInteger(shard.worldSize) && shard.worldSize >= 1 && Number.isInteger(shard.rank) && shard.rank >= 0 && shard.rank < shard.worldSize)) {
      throw new Error(`loader: "shard" needs 0 <= rank < worldSize, got rank ${shard.rank} of ${shard.worldSize}`);
    }
    // Built here too: bad configs fail at once, and length/classes are known without asking a worker.
    const source = { dataset: this.opts.dataset, pipeline: this.opts.pipeline, seed: this.opts.seed, skipBad: this.opts.skipBad };
    this.maker = new BatchMaker(source);
    this.dataset = this.maker.dataset;
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: source });
      let crash = "";
      worker.on("message", (reply: Reply) => this.settle(reply));
      worker.on("error", (e) => (crash = `: ${e.message}`)); // 'exit' follows and fails its batches
      worker.on("exit", (code) => this.workerExited(worker, w, `code ${code}${crash}`));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Samples this loader covers per epoch (its shard's, when sharded). */
  get samples(): number {
    return this.shardOf(Array.from({ length: this.dataset.length }, (_, i) => i)).length;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.samples / this.batchSize;
    return this.opts.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample indices of each batch of `epoch`, in order. */
  plan(epoch: number): number[][] {
    const order = Array.from({ length: this.dataset.length }, (_, i) => i);
    if (this.opts.shuffle) new Rng(this.opts.seed, epoch, 0x5f3759df).shuffle(order);
    const mine = this.shardOf(order);
    return Array.from({ length: this.length }, (_, b) => mine.slice(b * this.batchSize, (b + 1) * this.batchSize));
  }

  private shardOf(order: number[]): number[] {
    return this.opts.shard ? distributed.takeShard(order, this.opts.shard) : order;
  }

  /** The batches of one epoch; the caller owns (and disposes) each batch's tensors. */
  async *epoch(epoch = 0): AsyncGenerator<Batch> {
    const plan = this.plan(epoch);
    const pending: Promise<Reply>[] = [];
    const request = (b: number): void => {
      if (b < plan.length) pending.push(this.request({ job: this.nextJob++, epoch, indices: plan[b] }, b));
    };
    for (let b = 0; b < this.opts.prefetch; b++) request(b);
    for (let b = 0; b < plan.length; b++) {
      const reply = await pending.shift()!;
      request(b + this.opts.prefetch);
      if (reply.error !== undefined) throw new Error(reply.error);
      const stacked = reply.batch!;
      for (const bad of stacked.bad) {
        this.skipped.push({ index: bad.index, reason: bad.message });
        (this.opts.warn ?? console.warn)(`skipping sample ${bad.index}: ${bad.message}`);
      }
      if (stacked.n === 0) continue;
      yield { ...batchTensors(stacked.images, stacked.labels, stacked.n, stacked.height, stacked.width), meta: stacked.meta, panoptic: stacked.panoptic };
    }
  }

  /** Batches requested from workers and not yet answered (at most `prefetch`). */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Stops the workers (a later epoch would run on the calling thread). */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
    this.failAll("loader closed");
  }

  private request(req: BatchRequest, b: number): Promise<Reply> {
    if (this.stopped !== null) return Promise.resolve({ job: req.job, error: this.stopped });
    if (this.workers.length === 0) {
      return this.maker.make(req.epoch, req.indices).then((batch) => ({ job: req.job, batch }), (e: Error) => ({ job: req.job, error: e.message }));
    }
    return new Promise((resolve) => {
      const worker = this.workers[b % this.workers.length];
      this.waiting.set(req.job, { resolve, worker, indices: req.indices });
      worker.ref();
      worker.postMessage(req);
    });
  }

  private settle(reply: Reply): void {
    this.waiting.get(reply.job)?.resolve(reply);
    this.waiting.delete(reply.job);
    if (this.waiting.size === 0) for (const w of this.workers) w.unref();
  }

  private failAll(error: string): void {
    for (const [job, { resolve }] of this.waiting) resolve({ job, error });
    this.waiting.clear();
  }

  private workerExited(worker: Worker, id: number, how: string): void {
    if (!this.workers.includes(worker)) return; // stopped by close() or by another worker's exit
    const names = (indices: number[]): string => indices.map((i) => sampleName(this.dataset, i)).join(", ");
    const held = [...this.waiting.values()].filter((asked) => asked.worker === worker).flatMap((asked) => asked.indices);
    const cause = `loader worker ${id} exited (${how}) ${held.length > 0 ? `while making ${names(held)}` : "while idle"}`;
    this.stopped = cause;
    for (const [job, asked] of this.waiting) {
      asked.resolve({ job, error: asked.worker === worker ? cause : `batch of ${names(asked.indices)} not made: ${cause}` });
    }
    this.waiting.clear();
    for (const other of this.workers.splice(0)) void other.terminate();
  }
}
