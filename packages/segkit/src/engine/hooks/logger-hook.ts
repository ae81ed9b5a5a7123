// The run's record: scalars.jsonl (the loss and its parts averaged over each interval, the lr at its
// end, validation metrics), sessions.jsonl (each start and end of the process: command, CPU,
// iterations, so a model-zoo manifest can list every resumption), config.json, and the progress
// line. Nothing is written before a resume has been validated (beforeTrain comes after it); a resumed
// run drops the scalar records after its checkpoint.
import { appendFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Summary } from "@segkit/metrics";
import { register } from "../../config/registry.js";
import { num } from "../../data/options.js";
import { ScalarLog } from "../scalar-log.js";
import type { Hook, TrainRun, TrainStep } from "./hook.js";

export const SCALARS_FILE = "scalars.jsonl";
export const SESSIONS_FILE = "sessions.jsonl";

/** One line of sessions.jsonl. */
export type SessionRecord =
  | { event: "start"; time: string; iteration: number; command: string[]; cpu: string; threads: number; rankThreads: number[]; device: string; node: string }
  | { event: "end"; time: string; iteration: number; seconds: number };

export class LoggerHook implements Hook {
  readonly name = "logger";
  #log: ScalarLog | null = null;
  #sums: Record<string, number> = {};
  #count = 0;

  constructor(readonly interval: number) {}

  beforeTrain(run: TrainRun): void {
    const log = (this.#log = new ScalarLog(join(run.workDir, SCALARS_FILE)));
    const kept = run.resumedFrom ? log.truncateAfter(run.iteration) : [];
    writeFileSync(log.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
    writeFileSync(join(run.workDir, "config.json"), JSON.stringify(run.config, null, 2));
    if (run.resumedFrom) run.progress.note(`resumed from ${run.resumedFrom} at iteration ${run.iteration}`);
    if (run.rankThreads.length > 1) run.progress.note(`${run.rankThreads.length} ranks on ${run.device}, intra-op threads per rank: ${run.rankThreads.join(", ")}`);
    appendSession(run, {
      event: "start", time: new Date().toISOString(), iteration: run.iteration, command: process.argv.slice(2),
      cpu: cpus()[0]?.model ?? "unknown", threads: run.config.train.threads, rankThreads: [...run.rankThreads], device: run.device, node: process.version,
    });
  }

  afterRun(run: TrainRun): void {
    appendSession(run, { event: "end", time: new Date().toISOString(), iteration: run.iteration, seconds: run.seconds() });
  }

  afterTrainIter(run: TrainRun, { parts, lr }: TrainStep): void {
    for (const [key, value] of Object.entries(parts)) this.#sums[key] = (this.#sums[key] ?? 0) + value;
    this.#count++;
    run.progress.update({ iter: run.iteration, total: run.config.train.iters, loss: parts.loss, lr });
    if (run.iteration % this.interval === 0 || run.iteration === run.config.train.iters) {
      const means = Object.fromEntries(Object.entries(this.#sums).map(([key, sum]) => [key, sum / this.#count]));
      this.#log!.append({ iter: run.iteration, ...means, lr, time: run.seconds() });
      this.#sums = {};
      this.#count = 0;
    }
  }

  afterVal(run: TrainRun, last: Summary): void {
    this.#log!.append({ iter: run.iteration, "val/mIoU": last.mIoU, "val/aAcc": last.aAcc, "val/mAcc": last.mAcc, "val/mDice": last.mDice });
    run.progress.note(`iteration ${run.iteration}: val mIoU ${(last.mIoU * 100).toFixed(2)}, aAcc ${(last.aAcc * 100).toFixed(2)}`);
  }
}

function appendSession(run: TrainRun, record: SessionRecord): void {
  appendFileSync(join(run.workDir, SESSIONS_FILE), JSON.stringify(record) + "\n");
}

register<Hook>("hook", "logger", {
  options: ["interval"],
  summary: "scalars.jsonl, sessions.jsonl, config.json and the progress line",
  build: (o) => new LoggerHook(num(o, "interval", 10, "hook logger", [1, Infinity])),
});
