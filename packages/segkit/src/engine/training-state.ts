// What a checkpoint must hold to resume training, checked field by field (type and range) before
// anything is restored or a log is touched: a missing or wrong field is an error naming the file and
// key, never a run that silently starts from nothing.
import type { optim, Tensor } from "@segkit/torch";
import { num } from "../data/options.js";
import type { Checkpoint } from "./checkpoint.js";

export interface TrainingState {
  iteration: number;
  best: { iter: number; mIoU: number } | null;
  /** Training time so far, carried across resumes. */
  seconds: number;
  /** The optimizer's non-tensor state (optim.optimizerStateToSafetensors metadata). */
  optimizer: Record<string, string>;
  schedule: optim.LrSchedulerState;
  emaUpdates: number | null;
  selfCorrectionCycles: number;
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
  const emaUpdates = s.emaUpdates === null ? null : integer(s, "emaUpdates", 0, where);
  const selfCorrectionCycles = integer(s, "selfCorrectionCycles", 0, where);
  if (!ck.tensors.model || ck.tensors.model.size === 0) throw new Error(`${path}: no "model/" tensors`);
  const rng = ck.tensors.rng?.get("cpu");
  if (!rng || rng.dtype !== "uint8" || rng.shape.length !== 1) throw new Error(`${path}: tensor "rng/cpu" must be a 1-D uint8 generator state`);
  return {
    iteration, best, seconds, optimizer: optimizer as Record<string, string>, schedule: { iter: scheduleIter, baseLrs: baseLrs as number[] },
    emaUpdates, selfCorrectionCycles, rng,
  };
}
