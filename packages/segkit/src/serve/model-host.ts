// One served model: worker threads that each hold the network (model-worker.ts), and a bounded queue
// in front of them. A job waits in the queue only while there is room (`queued`); beyond it the
// client gets 503 with Retry-After at once. Every job has a deadline: past it the client gets 503
// (a job already on a worker finishes there, and its reply is dropped). drain() lets the queue empty,
// then stops the workers: what SIGTERM does.
import { Worker } from "node:worker_threads";
import type { ClassInfo } from "../engine/class-info.js";
import { HttpError } from "./http-error.js";
import type { ModelSpec, SamJob, SegmentJob, WorkerHolding, WorkerJob, WorkerMessage } from "./worker-protocol.js";

export interface QueueLimits {
  /** Worker threads, each holding the model: the jobs computed at once. */
  workers: number;
  /** Jobs waiting for a worker; more are refused with 503. */
  queued: number;
  /** Deadline of a job from its arrival. */
  timeoutMs: number;
}

export type SegmentResult = Extract<WorkerMessage, { type: "result" }>;
type JobResult = Extract<WorkerMessage, { type: "result" | "onnx" | "sam" }>;
/** A job as the host is given it: the host numbers it. */
type NewJob<J = WorkerJob> = J extends WorkerJob ? Omit<J, "id"> : never;

interface Pending {
  job: WorkerJob;
  resolve(result: JobResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  done: boolean;
}

interface Slot {
  worker: Worker;
  job: Pending | null;
}

const WORKER_FILE = new URL("./model-worker.js", import.meta.url);
const SAM_WORKER_FILE = new URL("./sam-worker.js", import.meta.url);

/** Seconds a refused client is asked to wait: about one job's time per queued job, at least 1. */
function retryAfter(queued: number, lastMs: number): string {
  return String(Math.max(1, Math.ceil(((queued + 1) * lastMs) / 1000)));
}

export class ModelHost {
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private draining = false;
  private lastMs = 1000;
  private onnx: Promise<Uint8Array> | null = null;
  private drained: Promise<void> | null = null;
  /** What each worker held after its last job. */
  private readonly held = new Map<Slot, WorkerHolding>();

  private constructor(readonly spec: ModelSpec, readonly classes: ClassInfo, readonly divisor: number, private readonly slots: Slot[], private readonly limits: QueueLimits) {
    for (const slot of slots) this.watch(slot);
  }

  /** Starts the workers and waits until each has loaded the model; a load error names the model. */
  static async start(spec: ModelSpec, limits: QueueLimits): Promise<ModelHost> {
    const started = await Promise.allSettled(Array.from({ length: limits.workers }, () => startWorker(spec)));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) {
      await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.worker.terminate() : undefined)));
      throw (failed as PromiseRejectedResult).reason;
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<Loaded>).value);
    return new ModelHost(spec, ready[0].classes, ready[0].divisor, ready.map(({ worker }) => ({ worker, job: null })), limits);
  }

  get name(): string {
    return this.spec.name;
  }

  get queueDepth(): number {
    return this.waiting.length;
  }

  get inFlight(): number {
    return this.slots.filter((s) => s.job !== null).length;
  }

  /** Native tensors alive in all workers (after each one's last job). */
  get workerTensors(): number {
    return this.workerHolding.liveTensors;
  }

  /** What all workers held after their last jobs, summed: native tensors, JS heap and external bytes. */
  get workerHolding(): WorkerHolding {
    const sum = { liveTensors: 0, heapUsed: 0, external: 0 };
    for (const h of this.held.values()) {
      sum.liveTensors += h.liveTensors;
      sum.heapUsed += h.heapUsed;
      sum.external += h.external;
    }
    return sum;
  }

  /** Segments one image; rejects with an HttpError 503 when the queue is full, the deadline passes or the host drains. */
  segment(image: Omit<SegmentJob, "id" | "kind">): Promise<SegmentResult> {
    return this.enqueue({ kind: "segment", ...image }) as Promise<SegmentResult>;
  }

  /** The model as ONNX for the page (exported once by a worker, through the queue); errors say why it cannot be. */
  onnxModel(): Promise<Uint8Array> {
    this.onnx ??= this.enqueue({ kind: "onnx" }).then((r) => (r as Extract<JobResult, { type: "onnx" }>).bytes);
    this.onnx.catch(() => (this.onnx = null));
    return this.onnx;
  }

  /** A SAM job's reply body; request errors the worker finds come as HttpErrors with their status. */
  async sam(job: NewJob<SamJob>): Promise<Record<string, unknown>> {
    return ((await this.enqueue(job)) as Extract<JobResult, { type: "sam" }>).body;
  }

  private enqueue(job: NewJob): Promise<JobResult> {
    if (this.draining) return Promise.reject(new HttpError(503, `model ${this.name} is shutting down`, { "retry-after": "5" }));
    if (this.waiting.length >= this.limits.queued && this.slots.every((s) => s.job !== null)) {
      return Promise.reject(new HttpError(503, `model ${this.name} is busy: ${this.inFlight} computing, ${this.waiting.length} queued (the limit)`,
        { "retry-after": retryAfter(this.waiting.length, this.lastMs) }));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        job: { ...job, id: this.nextId++ } as WorkerJob, resolve, reject, done: false,
        timer: setTimeout(() => this.expire(pending), this.limits.timeoutMs),
      };
      this.waiting.push(pending);
      this.dispatch();
    });
  }

  /** Refuses new jobs, lets queued and running ones finish, then stops the workers. */
  drain(): Promise<void> {
    this.drained ??= this.stop();
    return this.drained;
  }

  private async stop(): Promise<void> {
    this.draining = true;
    while (this.waiting.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(this.slots.map(({ worker }) => new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.postMessage("close");
      setTimeout(() => void worker.terminate(), 5000).unref();
    })));
  }

  private expire(pending: Pending): void {
    if (pending.done) return;
    const at = this.waiting.indexOf(pending);
    if (at >= 0) this.waiting.splice(at, 1);
    this.settle(pending, new HttpError(503, `model ${this.name}: no result within ${this.limits.timeoutMs} ms (${at >= 0 ? "still queued" : "still computing"})`,
      { "retry-after": retryAfter(this.waiting.length, this.lastMs) }));
  }

  private settle(pending: Pending, outcome: JobResult | Error): void {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job !== null || this.waiting.length === 0) continue;
      const pending = this.waiting.shift()!;
      slot.job = pending;
      const { job } = pending;
      slot.worker.postMessage(job, job.kind === "segment" || job.kind === "sam-embed" ? [job.pixels.buffer as ArrayBuffer] : []);
    }
  }

  private watch(slot: Slot): void {
    slot.worker.on("message", (message: WorkerMessage) => {
      const pending = slot.job;
      if (message.type !== "result" && message.type !== "onnx" && message.type !== "sam" && message.type !== "error") return;
      slot.job = null;
      if (pending && pending.job.id === message.id) {
        if (message.type === "result" || message.type === "sam") {
          this.lastMs = message.milliseconds;
          this.held.set(slot, message.held);
          this.settle(pending, message);
        } else if (message.type === "onnx") {
          this.settle(pending, message);
        } else if (message.status !== undefined) {
          this.settle(pending, new HttpError(message.status, message.message));
        } else if (pending.job.kind === "onnx") {
          this.settle(pending, new HttpError(409, `model ${this.name}: ${message.message}`));
        } else {
          this.settle(pending, new Error(`model ${this.name}: ${message.message}`));
        }
      }
      this.dispatch();
    });
    // An error ends the worker: its exit, below, is where it is handled.
    slot.worker.on("error", () => undefined);
    slot.worker.on("exit", (code) => {
      if (this.draining) return;
      // A worker that died (a native fault, out of memory) fails its job; a new one takes its place.
      const pending = slot.job;
      slot.job = null;
      if (pending) this.settle(pending, new Error(`model ${this.name}: its worker stopped (exit code ${code})`));
      void startWorker(this.spec).then(({ worker }) => {
        slot.worker = worker;
        this.watch(slot);
        this.dispatch();
      }, () => undefined);
    });
  }
}

interface Loaded {
  worker: Worker;
  classes: ClassInfo;
  divisor: number;
}

function startWorker(spec: ModelSpec): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(spec.sam ? SAM_WORKER_FILE : WORKER_FILE, { workerData: spec });
    const onExit = (code: number) => reject(new Error(`model ${spec.name}: its worker stopped while loading (exit code ${code})`));
    worker.once("error", (e) => reject(new Error(`model ${spec.name}: ${e.message}`)));
    worker.once("exit", onExit);
    worker.once("message", (message: WorkerMessage) => {
      worker.off("exit", onExit);
      if (message.type === "ready") resolve({ worker, classes: message.classes, divisor: message.divisor });
      else {
        void worker.terminate();
        reject(new Error(message.type === "failed" ? message.message : `model ${spec.name}: unexpected message ${message.type} while loading`));
      }
    });
  });
}
