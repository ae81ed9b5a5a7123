// A run's state in a checkpoint: what the trainer saves (model, optimizer, schedule, RNG, iteration,
// best, time) plus each hook's part under its name, and resuming from it. Every field is checked (type
// and range) before anything is restored or a log is touched: a missing or wrong field is an error
// naming the file and key, never a run that silently starts from nothing.
import * as torch from "@segkit/torch";
import { optim, type Tensor } from "@segkit/torch";
import { num } from "../data/options.js";
import { disposeCheckpoint, loadCheckpoint, type Checkpoint } from "./checkpoint.js";
import type { TrainRun } from "./hooks/hook.js";

export interface TrainingState {
  iteration: number;
  best: { iter: number; mIoU: number } | null;
  /** Training time so far, carried across resumes. */
  seconds: number;
  /** The optimizer's non-tensor state (optim.optimizerStateToSafetensors metadata). */
  optimizer: Record<string, string>;
  schedule: optim.LrSchedulerState;
  rng: Tensor;
}

type Fields = Record<string, unknown>;

function integer(o: Fields, key: string, min: number, where: string): number {
  const v = o[key];
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${where}: "${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function object(o: Fields, key: string, where: string): Fields {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${where}: "${key}" must be an object, got ${JSON.stringify(v)}`);
  return v as Fields;
}

/** The training state of `ck` read from `path`, validated; the tensors stay owned by `ck`. */
export function readTrainingState(ck: Checkpoint, path: string): TrainingState {
  const where = `${path}: state`;
  const s = ck.state;
  const iteration = integer(s, "iteration", 0, where);
  let best: TrainingState["best"] = null;
  if (s.best !== null) {
    const b = object(s, "best", where);
    best = { iter: integer(b, "iter", 1, `${where}.best`), mIoU: num(b, "mIoU", NaN, `${where}.best`, [0, 1]) };
    if (best.iter > iteration) throw new Error(`${where}: "best.iter" ${best.iter} is after "iteration" ${iteration}`);
  }
  const seconds = num(s, "seconds", NaN, where, [0, Infinity]);
  const optimizer = object(s, "optimizer", where);
  for (const [key, v] of Object.entries(optimizer)) {
    if (typeof v !== "string") throw new Error(`${where}: "optimizer.${key}" must be a string, got ${JSON.stringify(v)}`);
  }
  const schedule = object(s, "schedule", where);
  const scheduleIter = integer(schedule, "iter", 0, `${where}.schedule`);
  if (scheduleIter !== iteration) throw new Error(`${where}: "schedule.iter" ${scheduleIter} differs from "iteration" ${iteration}`);
  const baseLrs = schedule.baseLrs;
  if (!Array.isArray(baseLrs) || !baseLrs.every((lr) => typeof lr === "number" && Number.isFinite(lr) && lr >= 0)) {
    throw new Error(`${where}: "schedule.baseLrs" must be an array of learning rates, got ${JSON.stringify(baseLrs)}`);
  }
  object(s, "hooks", where);
  if (!ck.tensors.model || ck.tensors.model.size === 0) throw new Error(`${path}: no "model/" tensors`);
  const rng = ck.tensors.rng?.get("cpu");
  if (!rng || rng.dtype !== "uint8" || rng.shape.length !== 1) throw new Error(`${path}: tensor "rng/cpu" must be a 1-D uint8 generator state`);
  return {
    iteration, best, seconds, optimizer: optimizer as Record<string, string>, schedule: { iter: scheduleIter, baseLrs: baseLrs as number[] },
    rng,
  };
}

/** The run's checkpoint now: the trainer's fields, then each hook's part. */
export function checkpointOf(run: TrainRun): Checkpoint {
  const { tensors: optimizerTensors, metadata } = optim.optimizerStateToSafetensors(run.optimizer.stateDict());
  const checkpoint: Checkpoint = {
    tensors: { model: run.model.stateDict(), optimizer: optimizerTensors, rng: new Map([["cpu", torch.getRngState()]]) },
    state: {
      iteration: run.iteration, best: run.best, seconds: run.seconds(), optimizer: metadata, schedule: run.scheduler.stateDict(), hooks: {},
    },
    classes: run.classes,
  };
  for (const hook of run.hooks) hook.beforeSaveCheckpoint?.(run, checkpoint);
  return checkpoint;
}

/** Restores `run` and its hooks from the checkpoint at `path`; returns the trainer's fields. Errors start "resuming from <path>". */
export function resumeFrom(run: TrainRun, path: string): TrainingState {
  try {
    const ck = loadCheckpoint(path);
    try {
      const state = readTrainingState(ck, path);
      run.model.loadStateDict(ck.tensors.model);
      run.optimizer.loadStateDict(optim.optimizerStateFromSafetensors({ tensors: ck.tensors.optimizer ?? new Map(), metadata: state.optimizer }, path));
      run.scheduler.loadStateDict(state.schedule);
      for (const hook of run.hooks) hook.afterLoadCheckpoint?.(run, ck, path);
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
