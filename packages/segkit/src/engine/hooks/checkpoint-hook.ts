// Checkpoints of the run: iter_N every `interval` iterations and at the end (the last `keepLast`
// kept), and best.safetensors at each validation that beats the best mIoU. An iteration that
// validates saves after the validation, so its checkpoint knows the best so far.
import { join } from "node:path";
import type { Summary } from "@segkit/metrics";
import { register } from "../../config/registry.js";
import { num } from "../../data/options.js";
import { CheckpointKeeper } from "../checkpoint.js";
import { checkpointOf } from "../training-state.js";
import type { Hook, TrainRun } from "./hook.js";

/** Where a run keeps its checkpoints. */
export const checkpointDir = (workDir: string): string => join(workDir, "checkpoints");

export class CheckpointHook implements Hook {
  readonly name = "checkpoint";
  #keeper: CheckpointKeeper | null = null;

  constructor(readonly interval: number, readonly keepLast: number) {}

  beforeRun(run: TrainRun): void {
    this.#keeper = new CheckpointKeeper(checkpointDir(run.workDir), this.keepLast);
  }

  afterTrainIter(run: TrainRun): void {
    if (!run.validates()) this.#saveIfDue(run);
  }

  afterVal(run: TrainRun, summary: Summary): void {
    if (this.#keeper!.saveIfBest("mIoU", summary.mIoU, checkpointOf(run), run.best?.mIoU ?? null)) run.best = { iter: run.iteration, mIoU: summary.mIoU };
    this.#saveIfDue(run);
  }

  #saveIfDue(run: TrainRun): void {
    if (run.iteration % this.interval === 0 || run.iteration === run.config.train.iters) this.#keeper!.save(run.iteration, checkpointOf(run));
  }
}

register<Hook>("hook", "checkpoint", {
  options: ["interval", "keepLast"],
  summary: "iter_N checkpoints every interval (the last keepLast kept) and best.safetensors on val mIoU",
  build: (o) => new CheckpointHook(num(o, "interval", 500, "hook checkpoint", [1, Infinity]), num(o, "keepLast", 2, "hook checkpoint", [1, Infinity])),
});
