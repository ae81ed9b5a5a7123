// Iteration-based training: model, data, optimizer and schedule from a RunConfig; validation every
// valInterval iterations with best-checkpoint tracking on mIoU; atomic checkpoints that resume
// exactly (model, optimizer, schedule, EMA, self-correction, RNG state and position in the data); a
// JSONL log of scalars and SVG curves at the end.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "@segkit/torch";
import { optim } from "@segkit/torch";
import type { Summary } from "@segkit/metrics";
import { build } from "../config/registry.js";
import "../models/index.js";
import "../data/index.js";
import { DataLoader } from "../data/loader/data-loader.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { ClassInfo } from "./class-info.js";
import { CheckpointKeeper, disposeCheckpoint, loadCheckpoint, type Checkpoint } from "./checkpoint.js";
import { readTrainingState, type TrainingState } from "./training-state.js";
import { evaluate } from "./evaluate.js";
import { buildOptimizer, buildSchedule, type AnyOptimizer } from "./optimizers.js";
import { barChart, lineChart } from "./plots.js";
import { Progress } from "./progress.js";
import type { RunConfig } from "./run-config.js";
import { ScalarLog, type ScalarRecord } from "./scalar-log.js";
import { SelfCorrection } from "./self-correction.js";

export interface TrainOptions {
  workDir: string;
  /** Continue from the newest checkpoint in workDir (a fresh start when there is none). */
  resume?: boolean;
  progress?: Progress;
}

export interface TrainResult {
  iterations: number;
  best: { iter: number; mIoU: number } | null;
  last: Summary | null;
  classes: string[];
  workDir: string;
  seconds: number;
}

interface Run {
  model: Segmentor;
  optimizer: AnyOptimizer;
  scheduler: optim.LrScheduler;
  ema: optim.ExponentialMovingAverage | null;
  selfCorrection: SelfCorrection | null;
}

/** `seconds` is the training time so far, carried across resumes so a run reports its whole wall time. */
function checkpointOf(run: Run, classes: ClassInfo, iteration: number, best: TrainResult["best"], seconds: number): Checkpoint {
  const { tensors: optimizerTensors, metadata } = optim.optimizerStateToSafetensors(run.optimizer.stateDict());
  const tensors: Checkpoint["tensors"] = {
    model: run.model.stateDict(),
    optimizer: optimizerTensors,
    rng: new Map([["cpu", torch.getRngState()]]),
  };
  const ema = run.ema?.stateDict();
  if (ema) tensors.ema = ema.averaged;
  const correction = run.selfCorrection?.state();
  if (correction?.tensors) tensors.averaged = correction.tensors;
  return {
    tensors,
    state: {
      iteration, best, seconds, optimizer: metadata, schedule: run.scheduler.stateDict(), emaUpdates: ema?.updates ?? null,
      selfCorrectionCycles: correction?.cyclesDone ?? 0,
    },
    classes,
  };
}

function restore(run: Run, path: string): TrainingState {
  try {
    const ck = loadCheckpoint(path);
    try {
      const state = readTrainingState(ck, path);
      run.model.loadStateDict(ck.tensors.model);
      run.optimizer.loadStateDict(optim.optimizerStateFromSafetensors({ tensors: ck.tensors.optimizer ?? new Map(), metadata: state.optimizer }, path));
      run.scheduler.loadStateDict(state.schedule);
      if (run.ema) {
        if (!ck.tensors.ema || state.emaUpdates === null) throw new Error(`${path}: the config has an EMA but the checkpoint has none`);
        run.ema.loadStateDict({ averaged: ck.tensors.ema, updates: state.emaUpdates });
      }
      run.selfCorrection?.restore(ck.tensors.averaged, state.selfCorrectionCycles, path);
      torch.setRngState(state.rng);
      return state;
    } finally {
      disposeCheckpoint(ck);
    }
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(`resuming from ${message.startsWith(path) ? message : `${path}: ${message}`}`);
  }
}

function writePlots(dir: string, records: ScalarRecord[], classes: string[], last: Summary | null): void {
  const series = (key: string) => records.filter((r) => typeof r[key] === "number").map((r) => [r.iter, r[key] as number] as [number, number]);
  writeFileSync(join(dir, "loss.svg"), lineChart("training loss", [{ name: "loss", points: series("loss") }], "iteration", "loss"));
  writeFileSync(join(dir, "lr.svg"), lineChart("learning rate", [{ name: "lr", points: series("lr") }], "iteration", "lr"));
  writeFileSync(join(dir, "val_miou.svg"), lineChart("validation mIoU", [{ name: "mIoU", points: series("val/mIoU") }], "iteration", "mIoU"));
  if (last) writeFileSync(join(dir, "class_iou.svg"), barChart("per-class IoU (last validation)", classes, Array.from(last.IoU)));
}

export async function train(config: RunConfig, options: TrainOptions): Promise<TrainResult> {
  let started = Date.now();
  const { workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const t = config.train;
  torch.setNumThreads(t.threads);
  torch.manualSeed(t.seed);

  // What the run builds is released on the way out, whether it finishes or fails (a bad checkpoint,
  // a diverged loss): no native tensors or loader workers outlive train().
  const release: (() => unknown)[] = [];
  try {
    const model = build<Segmentor>("model", config.model, "config.model");
    release.push(() => model.dispose());
    const optimizer = buildOptimizer(config.optimizer, model.namedParameters());
    release.push(() => optimizer.dispose());
    const selfCorrection = t.selfCorrection ? new SelfCorrection(t.selfCorrection, config.model, config.data.train, t.iters, t.seed) : null;
    release.push(() => selfCorrection?.dispose());
    const schedule = buildSchedule(config.schedule, selfCorrection?.start ?? t.iters);
    const scheduler = new optim.LrScheduler(optimizer, selfCorrection ? selfCorrection.schedule(schedule) : schedule);
    const ema = t.ema ? new optim.ExponentialMovingAverage(() => model.stateDict(), { decay: t.ema.decay, warmup: t.ema.warmup }) : null;
    release.push(() => ema?.dispose());
    const run: Run = { model, optimizer, scheduler, ema, selfCorrection };
    const trainData = new DataLoader({ ...config.data.train, shuffle: true, dropLast: true, seed: t.seed });
    release.push(() => trainData.close());
    const valData = new DataLoader({ ...config.data.val, shuffle: false, seed: t.seed });
    release.push(() => valData.close());
    const classes = trainData.dataset.classes;
    if (classes.length !== model.numClasses) {
      throw new Error(`config: the dataset has ${classes.length} classes but the model predicts ${model.numClasses}`);
    }
    const classInfo: ClassInfo = { classes, palette: trainData.dataset.palette };
    if (trainData.length === 0) throw new Error(`config.data.train: fewer samples than one batch of ${config.data.train.batchSize}`);

    const keeper = new CheckpointKeeper(join(workDir, "checkpoints"), t.keepLast);
    const log = new ScalarLog(join(workDir, "scalars.jsonl"));
    let iteration = 0;
    let best: TrainResult["best"] = null;
    const latest = options.resume ? keeper.latest() : null;
    if (latest) {
      const restored = restore(run, latest);
      ({ iteration, best } = restored);
      started -= restored.seconds * 1000;
      const kept = log.truncateAfter(iteration);
      writeFileSync(log.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
    } else {
      writeFileSync(log.path, "");
    }
    writeFileSync(join(workDir, "config.json"), JSON.stringify(config, null, 2));

    const progress = options.progress ?? new Progress();
    if (latest) progress.note(`resumed from ${latest} at iteration ${iteration}`);
    const params = model.parameters();
    let last: Summary | null = null;
    let lossSum = 0;
    let lossCount = 0;
    model.train();
    release.push(() => progress.done());
    while (iteration < t.iters) {
      const epoch = Math.floor(iteration / trainData.length);
      let skip = iteration % trainData.length;
      for await (const batch of trainData.epoch(epoch)) {
        if (skip > 0) {
          // Resuming mid-epoch: the data of the steps already taken (deterministic by seed) is passed over.
          skip--;
          batch.images.dispose();
          batch.labels.dispose();
          continue;
        }
        optimizer.zeroGrad();
        const labels = selfCorrection?.refine(batch.images, batch.labels, model.ignoreIndex) ?? batch.labels;
        const parts = torch.tidy(() => {
          const out = model.forwardTrain(batch.images, labels);
          out.loss.backward();
          return Object.fromEntries([["loss", out.loss.item()], ...Object.entries(out.parts).map(([k, v]) => [`loss/${k}`, v.item()])]) as Record<string, number>;
        });
        if (labels !== batch.labels) labels.dispose();
        batch.images.dispose();
        batch.labels.dispose();
        if (!Number.isFinite(parts.loss)) throw new Error(`training diverged at iteration ${iteration + 1}: loss is ${parts.loss}`);
        if (t.clipGrad !== null) optim.clipGradNorm(params, t.clipGrad);
        const lr = optimizer.paramGroups[0].lr;
        optimizer.step();
        scheduler.step();
        ema?.update();
        iteration++;
        await selfCorrection?.afterStep(iteration, model);
        lossSum += parts.loss;
        lossCount++;
        progress.update({ iter: iteration, total: t.iters, loss: parts.loss, lr });
        if (iteration % t.logInterval === 0 || iteration === t.iters) {
          log.append({ iter: iteration, ...parts, loss: lossSum / lossCount, lr, time: (Date.now() - started) / 1000 });
          lossSum = 0;
          lossCount = 0;
        }
        if (iteration % t.valInterval === 0 || iteration === t.iters) {
          ema?.copyTo();
          try {
            last = (await evaluate(model, valData, config.test)).summary;
          } finally {
            ema?.restore();
          }
          log.append({ iter: iteration, "val/mIoU": last.mIoU, "val/aAcc": last.aAcc, "val/mAcc": last.mAcc, "val/mDice": last.mDice });
          progress.note(`iteration ${iteration}: val mIoU ${(last.mIoU * 100).toFixed(2)}, aAcc ${(last.aAcc * 100).toFixed(2)}`);
          if (keeper.saveIfBest("mIoU", last.mIoU, checkpointOf(run, classInfo, iteration, best, (Date.now() - started) / 1000), best?.mIoU ?? null)) {
            best = { iter: iteration, mIoU: last.mIoU };
          }
        }
        if (iteration % t.checkpointInterval === 0 || iteration === t.iters) keeper.save(iteration, checkpointOf(run, classInfo, iteration, best, (Date.now() - started) / 1000));
        if (iteration >= t.iters) break;
      }
    }
    writePlots(workDir, log.read(), classes, last);
    return { iterations: iteration, best, last, classes, workDir, seconds: (Date.now() - started) / 1000 };
  } finally {
    for (const free of release.reverse()) await free();
  }
}
