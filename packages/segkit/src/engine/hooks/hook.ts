// Training hooks, as mmengine's runner has them: the trainer is a short loop and everything else
// (EMA, logging, plots, checkpoints, self-correction) is a hook called at named moments. A hook's
// tensors and state are saved in checkpoints under its registered name.
import type { optim, Tensor } from "@segkit/torch";
import type { Summary } from "@segkit/metrics";
import type { DataLoader } from "../../data/loader/data-loader.js";
import type { PanopticTarget } from "../../data/segments/types.js";
import type { Segmentor } from "../../models/segmentors/segmentor.js";
import type { Checkpoint } from "../checkpoint.js";
import type { ClassInfo } from "../class-info.js";
import type { AnyOptimizer } from "../optimizers.js";
import type { Progress } from "../progress.js";
import type { RunConfig } from "../run-config.js";

/** What hooks see of a run. */
export interface TrainRun {
  readonly config: RunConfig;
  readonly workDir: string;
  readonly model: Segmentor;
  readonly optimizer: AnyOptimizer;
  readonly scheduler: optim.LrScheduler;
  readonly trainData: DataLoader;
  readonly classes: ClassInfo;
  readonly progress: Progress;
  readonly hooks: readonly Hook[];
  /** Optimizer steps taken. */
  iteration: number;
  best: { iter: number; mIoU: number } | null;
  /** The last validation's summary. */
  last: Summary | null;
  /** The checkpoint the run resumed from (null for a fresh start). */
  resumedFrom: string | null;
  /** Where the model computes (resolveDevice's name: "cpu", "cuda:0"). */
  readonly device: string;
  /** libtorch's intra-op threads on each rank, in rank order, as each reports them (one entry without a group). */
  readonly rankThreads: readonly number[];
  /** Training seconds so far, including those of the runs it resumed. */
  seconds(): number;
  /** Whether the current iteration ends with a validation. */
  validates(): boolean;
}

/** One training batch; `beforeTrainIter` may add a soft target (N,C,H,W probabilities) that losses of soft targets use. */
export interface TrainBatch {
  images: Tensor;
  labels: Tensor;
  soft: Tensor | null;
  /** The samples' segments, when the data has them: a model with forwardTrainSegments trains on them. */
  panoptic: PanopticTarget[] | null;
}

/** An optimizer step: its loss parts (averaged over accumulated batches) and the lr it used. */
export interface TrainStep {
  parts: Record<string, number>;
  lr: number;
}

export interface Hook {
  /** The registered name: the key of its state in checkpoints. */
  readonly name: string;
  /** Replaces the configured lr schedule (`main(iters)` builds it for any length); one hook at most. */
  schedule?(main: (iters: number) => optim.Schedule, iters: number): optim.Schedule;
  /** Before anything is resumed or written. */
  beforeRun?(run: TrainRun): void | Promise<void>;
  /** After a resume (if any), before the first iteration. */
  beforeTrain?(run: TrainRun): void | Promise<void>;
  /** Before each batch's forward pass (k times per iteration when accumulating k batches). */
  beforeTrainIter?(run: TrainRun, batch: TrainBatch): void;
  afterTrainIter?(run: TrainRun, step: TrainStep): void | Promise<void>;
  beforeVal?(run: TrainRun): void;
  /** After validation's metrics, while the model still holds the weights they were measured on (EMA's with an EMA hook). */
  afterValMetrics?(run: TrainRun, summary: Summary): void | Promise<void>;
  afterVal?(run: TrainRun, summary: Summary): void | Promise<void>;
  /** Adds its tensors (group `name`) and JSON state (`state.hooks[name]`) to a checkpoint being saved. */
  beforeSaveCheckpoint?(run: TrainRun, checkpoint: Checkpoint): void;
  /** Restores from a loaded checkpoint (already validated for the trainer's own fields); errors name `path` and the key. */
  afterLoadCheckpoint?(run: TrainRun, checkpoint: Checkpoint, path: string): void;
  afterRun?(run: TrainRun): void;
  /** Frees what it holds; called however the run ends. */
  dispose?(): void | Promise<void>;
}

/** This hook's entry in a checkpoint's `state.hooks` (`undefined` when absent). */
export function hookState(checkpoint: Checkpoint, name: string): unknown {
  return (checkpoint.state.hooks as Record<string, unknown> | undefined)?.[name];
}

/** Sets this hook's entry in a checkpoint's `state.hooks`. */
export function setHookState(checkpoint: Checkpoint, name: string, state: unknown): void {
  const hooks = (checkpoint.state.hooks ??= {}) as Record<string, unknown>;
  hooks[name] = state;
}
