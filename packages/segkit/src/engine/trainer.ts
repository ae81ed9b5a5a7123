// Iteration-based training as a short loop; everything else is a hook (hooks/): EMA, self-correction,
// logging, checkpoints and plots, called at named moments. An iteration is one optimizer step over
// `train.accumulate` batches; validation every valInterval iterations. A resumed run continues exactly
// (model, optimizer, schedule, hooks' state, RNG state and position in the data). Distributed (a
// process group given): every rank trains on its shard of each batch, DistributedDataParallel
// averages the gradients and SyncBatchNorm the batch statistics; rank 0 alone logs and saves.
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
import { evaluate } from "./evaluate.js";
import { panopticMaskTargets, trainsOnSegments } from "./panoptic-targets.js";
import { checkModelFitsData } from "./model-fits-data.js";
import type { Hook, TrainBatch, TrainRun } from "./hooks/hook.js";
import { buildOptimizer, buildSchedule } from "./optimizers.js";
import { Progress } from "./progress.js";
import type { RunConfig } from "./run-config.js";
import { resumePoint } from "./resume-checkpoint.js";
import { resumeFrom } from "./training-state.js";

export interface TrainOptions {
  workDir: string;
  /** Continue from the newest checkpoint in workDir (a fresh start when there is none). */
  resume?: boolean;
  progress?: Progress;
  /** Hooks of the caller's own (a live dashboard's feed), called after the configured ones (on rank 0 only). */
  hooks?: Hook[];
  /** Distributed training: this rank's group; every rank calls train() with the same config. */
  group?: torch.distributed.ProcessGroup;
}

export interface TrainResult {
  iterations: number;
  best: { iter: number; mIoU: number } | null;
  last: Summary | null;
  classes: string[];
  workDir: string;
  seconds: number;
}

/** The hooks a config asks for, in the order they are called; those that write files only on the rank that writes (rank 0). */
function hookConfigs(t: RunConfig["train"], writes: boolean): Config[] {
  return [
    ...(t.ema ? [{ type: "ema", ...t.ema }] : []),
    ...(t.selfCorrection ? [{ type: "self_correction", ...t.selfCorrection }] : []),
    ...(writes ? [
      { type: "logger", interval: t.logInterval },
      { type: "checkpoint", interval: t.checkpointInterval, keepLast: t.keepLast },
      { type: "plots" },
    ] : []),
  ];
}

/**
 * Forward and backward of one batch (cross-entropy terms against its soft target, when a hook gave
 * it one), the loss scaled by `scale` (1/k when accumulating k); returns the unscaled loss parts.
 * Distributed, the forward starts where PyTorch's DDP forward does (beforeForward: rank 0's buffers)
 * and `sync` says whether this backward averages the (accumulated) gradients across ranks.
 */
async function backward(model: Segmentor, batch: TrainBatch, scale: number, ddp: torch.distributed.DistributedDataParallel | null, sync: boolean,
  device: string): Promise<Record<string, number>> {
  const step = async () => {
    await ddp?.beforeForward();
    // Factory ops inside the model (masks, position grids) create their tensors on the run's device.
    const { scaled, parts } = torch.withDefaultDevice(device, () => torch.tidy(() => {
      const out = withSoftTarget(batch.soft, () => (batch.panoptic !== null && trainsOnSegments(model)
        ? model.forwardTrainSegments(batch.images, panopticMaskTargets(batch.panoptic, batch.images.shape.slice(-2) as [number, number], device))
        : model.forwardTrain(batch.images, batch.labels)));
      const parts = Object.fromEntries([["loss", out.loss.item()], ...Object.entries(out.parts).map(([k, v]) => [`loss/${k}`, v.item()])]) as Record<string, number>;
      return { scaled: scale === 1 ? out.loss : out.loss.mul(scale), parts };
    }));
    try {
      if (ddp === null) scaled.backward();
      else await ddp.backward(scaled);
    } finally {
      scaled.dispose();
    }
    return parts;
  };
  return ddp !== null && !sync ? ddp.noSync(step) : step();
}

/** libtorch's intra-op threads on each rank (torch.get_num_threads), in rank order. */
async function threadsOfRanks(group: torch.distributed.ProcessGroup | null): Promise<number[]> {
  if (group === null) return [torch.getNumThreads()];
  const mine = torch.tensor([torch.getNumThreads()], { dtype: "int64" });
  try {
    const all = await group.allGather(mine);
    const threads = all.toArray() as number[];
    all.dispose();
    return threads;
  } finally {
    mine.dispose();
  }
}

/** The loss parts averaged over the ranks, so that every rank logs and checks the same numbers. */
async function averageOverRanks(parts: Record<string, number>, group: torch.distributed.ProcessGroup): Promise<Record<string, number>> {
  const keys = Object.keys(parts).sort();
  const values = torch.tensor(keys.map((k) => parts[k]), { dtype: "float64" });
  await group.allReduce(values, "average");
  const averaged = values.toArray() as number[];
  values.dispose();
  return Object.fromEntries(keys.map((k, i) => [k, averaged[i]]));
}

export async function train(config: RunConfig, options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const { workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const t = config.train;
  const device = torch.resolveDevice(t.device, "config.train.device");
  torch.setNumThreads(t.threads);
  torch.manualSeed(t.seed);
  const group = options.group ?? null;
  const writes = group === null || group.rank === 0;
  const shard = (remainder: "pad" | "keep") => (group === null ? undefined : { rank: group.rank, worldSize: group.worldSize, remainder });

  // What the run builds is released on the way out, whether it finishes or fails (a bad checkpoint,
  // a diverged loss): no native tensors or loader workers outlive train().
  const release: (() => unknown)[] = [];
  try {
    const hooks = [...hookConfigs(t, writes).map((c) => build<Hook>("hook", c, `hook ${c.type}`)), ...(writes ? options.hooks ?? [] : [])];
    release.push(() => Promise.all(hooks.map((h) => h.dispose?.())));
    const model = build<Segmentor>("model", config.model, "config.model");
    release.push(() => model.dispose());
    // Built (and seeded) on the CPU, then moved, so that a seed gives the same weights on every device.
    model.toDevice(device);
    if (group !== null) torch.distributed.convertSyncBatchNorm(model, group);
    const optimizer = buildOptimizer(config.optimizer, model.namedParameters());
    release.push(() => optimizer.dispose());
    const main = (iters: number) => buildSchedule(config.schedule, iters);
    const shaping = hooks.filter((h) => h.schedule);
    if (shaping.length > 1) throw new Error(`config: hooks ${shaping.map((h) => h.name).join(", ")} each shape the lr schedule; only one may`);
    const scheduler = new optim.LrScheduler(optimizer, shaping[0]?.schedule!(main, t.iters) ?? main(t.iters));
    const trainData = new DataLoader({ ...config.data.train, shuffle: true, dropLast: true, seed: t.seed, shard: shard("pad") });
    release.push(() => trainData.close());
    const valData = new DataLoader({ ...config.data.val, shuffle: false, seed: t.seed, shard: shard("keep") });
    release.push(() => valData.close());
    const { classes, palette } = trainData.dataset;
    checkModelFitsData(model, trainData.dataset, "config.data.train.dataset");
    checkModelFitsData(model, valData.dataset, "config.data.val.dataset");
    const perEpoch = Math.floor(trainData.length / t.accumulate);
    if (perEpoch === 0) throw new Error(`config.data.train: fewer samples than ${t.accumulate} × one batch of ${config.data.train.batchSize} (train.accumulate × batchSize)`);
    const progress = (writes ? options.progress : undefined) ?? new Progress();
    release.push(() => progress.done());

    const rankThreads = await threadsOfRanks(group);

    let secondsBefore = 0;
    const run: TrainRun = {
      config, workDir, model, optimizer, scheduler, trainData, classes: { classes, palette }, progress, hooks, device, rankThreads,
      iteration: 0, best: null, last: null, resumedFrom: null,
      seconds: () => secondsBefore + (Date.now() - started) / 1000,
      validates: () => run.iteration % t.valInterval === 0 || run.iteration === t.iters,
    };
    const call = async <K extends keyof Hook>(moment: K, ...args: unknown[]) => {
      for (const h of hooks) await (h[moment] as ((...a: unknown[]) => unknown) | undefined)?.call(h, run, ...args);
    };

    await call("beforeRun");
    const point = options.resume ? await resumePoint(workDir, group) : null;
    if (point) {
      let state;
      try {
        state = resumeFrom(run, point.path);
      } finally {
        point.release();
      }
      Object.assign(run, { iteration: state.iteration, best: state.best, resumedFrom: point.path });
      secondsBefore = state.seconds;
    }
    // Every rank has resumed from rank 0's checkpoint; DDP checks the models agree and copies rank 0's.
    const ddp = group === null ? null : await torch.distributed.DistributedDataParallel.create(model, group);
    if (ddp !== null) release.push(() => ddp.destroy());
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
      for await (const { images, labels, panoptic } of trainData.epoch(epoch)) {
        position++;
        if (position < first || position >= usable) {
          images.dispose();
          labels.dispose();
          continue;
        }
        if (position % t.accumulate === 0) optimizer.zeroGrad();
        const batch: TrainBatch = { images: torch.toDevice(images, device), labels: torch.toDevice(labels, device), soft: null, panoptic };
        await call("beforeTrainIter", batch);
        const parts = await backward(model, batch, 1 / t.accumulate, ddp, (position + 1) % t.accumulate === 0, device);
        for (const x of new Set([images, labels, batch.images, batch.labels, batch.soft])) x?.dispose();
        for (const [k, v] of Object.entries(parts)) sums[k] = (sums[k] ?? 0) + v / t.accumulate;
        if ((position + 1) % t.accumulate !== 0) continue;
        if (group !== null) sums = await averageOverRanks(sums, group);
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
          run.last = (await evaluate(model, valData, config.test, group ?? undefined)).summary;
          await call("afterValMetrics", run.last);
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
