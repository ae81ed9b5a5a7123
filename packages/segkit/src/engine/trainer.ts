// Iteration-based training as a short loop; everything else is a hook (hooks/): EMA, self-correction,
// logging, checkpoints and plots, called at named moments. An iteration is one optimizer step over
// `train.accumulate` batches; validation every valInterval iterations. A resumed run continues exactly
// (model, optimizer, schedule, hooks' state, RNG state and position in the data).
import { mkdirSync } from "node:fs";
import * as torch from "@segkit/torch";
import { optim } from "@segkit/torch";
import type { Summary } from "@segkit/metrics";
import { build, type Config } from "../config/registry.js";
import "../models/index.js";
import "../data/index.js";
import "./hooks/index.js";
import { DataLoader } from "../data/loader/data-loader.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { withSoftTarget } from "../losses/soft-target.js";
import { CheckpointKeeper } from "./checkpoint.js";
import { evaluate } from "./evaluate.js";
import { checkModelFitsData } from "./model-fits-data.js";
import { checkpointDir } from "./hooks/checkpoint-hook.js";
import type { Hook, TrainBatch, TrainRun } from "./hooks/hook.js";
import { buildOptimizer, buildSchedule } from "./optimizers.js";
import { Progress } from "./progress.js";
import type { RunConfig } from "./run-config.js";
import { resumeFrom } from "./training-state.js";

export interface TrainOptions {
  workDir: string;
  /** Continue from the newest checkpoint in workDir (a fresh start when there is none). */
  resume?: boolean;
  progress?: Progress;
  /** Hooks of the caller's own (a live dashboard's feed), called after the configured ones. */
  hooks?: Hook[];
}

export interface TrainResult {
  iterations: number;
  best: { iter: number; mIoU: number } | null;
  last: Summary | null;
  classes: string[];
  workDir: string;
  seconds: number;
}

/** The hooks a config asks for, in the order they are called. */
function hookConfigs(t: RunConfig["train"]): Config[] {
  return [
    ...(t.ema ? [{ type: "ema", ...t.ema }] : []),
    ...(t.selfCorrection ? [{ type: "self_correction", ...t.selfCorrection }] : []),
    { type: "logger", interval: t.logInterval },
    { type: "checkpoint", interval: t.checkpointInterval, keepLast: t.keepLast },
    { type: "plots" },
  ];
}

/**
 * Forward and backward of one batch (cross-entropy terms against its soft target, when a hook gave
 * it one), the loss scaled by `scale` (1/k when accumulating k); returns the unscaled loss parts.
 */
function backward(model: Segmentor, batch: TrainBatch, scale: number): Record<string, number> {
  return torch.tidy(() => {
    const out = withSoftTarget(batch.soft, () => model.forwardTrain(batch.images, batch.labels));
    (scale === 1 ? out.loss : out.loss.mul(scale)).backward();
    return Object.fromEntries([["loss", out.loss.item()], ...Object.entries(out.parts).map(([k, v]) => [`loss/${k}`, v.item()])]) as Record<string, number>;
  });
}

export async function train(config: RunConfig, options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const { workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const t = config.train;
  torch.setNumThreads(t.threads);
  torch.manualSeed(t.seed);

  // What the run builds is released on the way out, whether it finishes or fails (a bad checkpoint,
  // a diverged loss): no native tensors or loader workers outlive train().
  const release: (() => unknown)[] = [];
  try {
    const hooks = [...hookConfigs(t).map((c) => build<Hook>("hook", c, `hook ${c.type}`)), ...(options.hooks ?? [])];
    release.push(() => Promise.all(hooks.map((h) => h.dispose?.())));
    const model = build<Segmentor>("model", config.model, "config.model");
    release.push(() => model.dispose());
    const optimizer = buildOptimizer(config.optimizer, model.namedParameters());
    release.push(() => optimizer.dispose());
    const main = (iters: number) => buildSchedule(config.schedule, iters);
    const shaping = hooks.filter((h) => h.schedule);
    if (shaping.length > 1) throw new Error(`config: hooks ${shaping.map((h) => h.name).join(", ")} each shape the lr schedule; only one may`);
    const scheduler = new optim.LrScheduler(optimizer, shaping[0]?.schedule!(main, t.iters) ?? main(t.iters));
    const trainData = new DataLoader({ ...config.data.train, shuffle: true, dropLast: true, seed: t.seed });
    release.push(() => trainData.close());
    const valData = new DataLoader({ ...config.data.val, shuffle: false, seed: t.seed });
    release.push(() => valData.close());
    const { classes, palette } = trainData.dataset;
    checkModelFitsData(model, trainData.dataset, "config.data.train.dataset");
    checkModelFitsData(model, valData.dataset, "config.data.val.dataset");
    const perEpoch = Math.floor(trainData.length / t.accumulate);
    if (perEpoch === 0) throw new Error(`config.data.train: fewer samples than ${t.accumulate} × one batch of ${config.data.train.batchSize} (train.accumulate × batchSize)`);
    const progress = options.progress ?? new Progress();
    release.push(() => progress.done());

    let secondsBefore = 0;
    const run: TrainRun = {
      config, workDir, model, optimizer, scheduler, trainData, classes: { classes, palette }, progress, hooks,
      iteration: 0, best: null, last: null, resumedFrom: null,
      seconds: () => secondsBefore + (Date.now() - started) / 1000,
      validates: () => run.iteration % t.valInterval === 0 || run.iteration === t.iters,
    };
    const call = async <K extends keyof Hook>(moment: K, ...args: unknown[]) => {
      for (const h of hooks) await (h[moment] as ((...a: unknown[]) => unknown) | undefined)?.call(h, run, ...args);
    };

    await call("beforeRun");
    const latest = options.resume ? new CheckpointKeeper(checkpointDir(workDir)).latest() : null;
    if (latest) {
      const state = resumeFrom(run, latest);
      Object.assign(run, { iteration: state.iteration, best: state.best, resumedFrom: latest });
      secondsBefore = state.seconds;
    }
    await call("beforeTrain");
    model.train();
    const params = model.parameters();
    while (run.iteration < t.iters) {
      const epoch = Math.floor(run.iteration / perEpoch);
      // Resuming mid-epoch: the batches of the steps already taken (deterministic by seed) are passed
      // over; the epoch's last (length mod accumulate) batches make no whole step and are left out.
      const [first, usable] = [(run.iteration % perEpoch) * t.accumulate, perEpoch * t.accumulate];
      let position = -1;
      let sums: Record<string, number> = {};
      for await (const { images, labels } of trainData.epoch(epoch)) {
        position++;
        if (position < first || position >= usable) {
          images.dispose();
          labels.dispose();
          continue;
        }
        if (position % t.accumulate === 0) optimizer.zeroGrad();
        const batch: TrainBatch = { images, labels, soft: null };
        await call("beforeTrainIter", batch);
        const parts = backward(model, batch, 1 / t.accumulate);
        for (const x of new Set([images, labels, batch.images, batch.labels, batch.soft])) x?.dispose();
        for (const [k, v] of Object.entries(parts)) sums[k] = (sums[k] ?? 0) + v / t.accumulate;
        if ((position + 1) % t.accumulate !== 0) continue;
        if (!Number.isFinite(sums.loss)) throw new Error(`training diverged at iteration ${run.iteration + 1}: loss is ${sums.loss}`);
        if (t.clipGrad !== null) optim.clipGradNorm(params, t.clipGrad);
        const lr = optimizer.paramGroups[0].lr;
        optimizer.step();
        scheduler.step();
        run.iteration++;
        await call("afterTrainIter", { parts: sums, lr });
        sums = {};
        if (run.validates()) {
          await call("beforeVal");
          run.last = (await evaluate(model, valData, config.test)).summary;
          await call("afterVal", run.last);
        }
        if (run.iteration >= t.iters) break;
      }
    }
    await call("afterRun");
    return { iterations: run.iteration, best: run.best, last: run.last, classes, workDir, seconds: run.seconds() };
  } finally {
    for (const free of release.reverse()) await free();
  }
}
