// The shape of a run's config, its defaults, and validation of every key (a misspelt key is an error
// naming it and the closest valid one, before anything is built).
import { checkDeviceName } from "@segkit/torch";
import { checkKeys, type Config } from "../config/registry.js";
import type { ConfigObject } from "../config/overrides.js";
import { checkSlideWindows } from "../models/segmentors/segmentor.js";
import { selfCorrectionConfig, type SelfCorrectionConfig } from "./hooks/self-correction-hook.js";
import { refinementFromConfig } from "./postprocess.js";

export interface LoaderConfig {
  dataset: Config;
  pipeline: Config[];
  batchSize: number;
  workers: number;
}

export interface TestConfig {
  mode: "whole" | "slide";
  crop: [number, number] | null;
  stride: [number, number] | null;
  /** Test-time augmentation: also predict the mirrored image. */
  flip: boolean;
  /** Test-time augmentation: input scales whose probabilities are averaged. */
  scales: number[];
  /** Refinements at the image's size: [{ "type": "crf", … }, { "type": "superpixels", … }] (postprocess.ts). */
  postprocess?: Config[];
}

export interface RunConfig {
  model: Config;
  data: { train: LoaderConfig; val: LoaderConfig };
  optimizer: Config;
  schedule: Config;
  train: {
    iters: number;
    valInterval: number;
    checkpointInterval: number;
    keepLast: number;
    logInterval: number;
    seed: number;
    threads: number;
    /** Clip the gradient norm to this (null: no clipping). */
    clipGrad: number | null;
    /** Weight EMA for evaluation (null: off). */
    ema: { decay: number; warmup: boolean } | null;
    /** Self-correction cycles of weight averaging and label refinement (null: off). */
    selfCorrection: SelfCorrectionConfig | null;
    /** Batches whose gradients are summed into one optimizer step (an iteration). */
    accumulate: number;
    /** Where the model and batches compute: "cpu", "cuda" or "cuda:N". */
    device: string;
  };
  test: TestConfig;
}

const LOADER_DEFAULTS = { pipeline: [], batchSize: 2, workers: 0 };
export const TRAIN_DEFAULTS: RunConfig["train"] = {
  iters: 1000, valInterval: 500, checkpointInterval: 500, keepLast: 2, logInterval: 10, seed: 0, threads: 2, clipGrad: null, ema: null,
  selfCorrection: null, accumulate: 1, device: "cpu",
};
/** What each train key means, for docs/config.md (its defaults are TRAIN_DEFAULTS). */
export const TRAIN_OPTIONS: Record<keyof RunConfig["train"], string> = {
  iters: "optimizer steps to train",
  valInterval: "validate every this many iterations (and at the end)",
  checkpointInterval: "save a checkpoint every this many iterations",
  keepLast: "how many of the newest iter_N checkpoints are kept (best.safetensors besides)",
  logInterval: "log the loss every this many iterations",
  seed: "seed of the weights' initialisation, the data order and the augmentations",
  threads: "libtorch's intra-op threads; under --nproc-per-node each rank gets cores ÷ local ranks instead",
  clipGrad: "clip the gradients' total norm to this (null: no clipping)",
  ema: "evaluate an exponential moving average of the weights: { decay, warmup } (null: off)",
  selfCorrection: "self-correction cycles of weight averaging and label refinement (null: off)",
  accumulate: "batches whose gradients are summed into one optimizer step",
  device: "where the model and batches compute: \"cpu\", \"cuda\" or \"cuda:N\" (a libtorch without CUDA refuses cuda at start, naming what is linked); distributed, the backend follows it (Gloo for cpu, NCCL for cuda)",
};
const TEST_DEFAULTS: TestConfig = { mode: "whole", crop: null, stride: null, flip: false, scales: [1], postprocess: [] };

function section(config: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const value = config[key];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: "${key}" must be an object`);
  return value as Record<string, unknown>;
}

function loader(raw: Record<string, unknown>, where: string): LoaderConfig {
  checkKeys(raw, ["dataset", "pipeline", "batchSize", "workers"], where);
  if (typeof raw.dataset !== "object" || raw.dataset === null) throw new Error(`${where}: "dataset" is required`);
  return { ...LOADER_DEFAULTS, ...raw } as unknown as LoaderConfig;
}

/** Validates a composed config and fills in defaults. */
export function runConfig(config: ConfigObject): RunConfig {
  checkKeys(config, ["model", "data", "optimizer", "schedule", "train", "test", "name"], "config");
  const data = section(config, "data", "config");
  checkKeys(data, ["train", "val"], "config.data");
  const train = config.train === undefined ? {} : section(config, "train", "config");
  checkKeys(train, Object.keys(TRAIN_DEFAULTS), "config.train");
  const test = config.test === undefined ? {} : section(config, "test", "config");
  checkKeys(test, Object.keys(TEST_DEFAULTS), "config.test");
  const merged: RunConfig = {
    model: section(config, "model", "config") as Config,
    data: { train: loader(section(data, "train", "config.data"), "config.data.train"), val: loader(section(data, "val", "config.data"), "config.data.val") },
    optimizer: (config.optimizer ?? { type: "sgd", lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }) as Config,
    schedule: (config.schedule ?? { type: "poly", power: 0.9, minLr: 1e-4 }) as Config,
    train: { ...TRAIN_DEFAULTS, ...train } as RunConfig["train"],
    test: { ...TEST_DEFAULTS, ...test } as TestConfig,
  };
  const t = merged.train;
  for (const key of ["iters", "valInterval", "checkpointInterval", "keepLast", "logInterval", "threads", "accumulate"] as const) {
    if (!Number.isInteger(t[key]) || t[key] < 1) throw new Error(`config.train.${key} must be a positive integer, got ${JSON.stringify(t[key])}`);
  }
  checkDeviceName(t.device, "config.train.device");
  if (t.ema !== null) checkKeys(t.ema as unknown as Record<string, unknown>, ["decay", "warmup"], "config.train.ema");
  if (t.selfCorrection !== null) t.selfCorrection = selfCorrectionConfig(t.selfCorrection as unknown as Record<string, unknown>);
  if (merged.test.mode !== "whole" && merged.test.mode !== "slide") {
    throw new Error(`config.test.mode must be "whole" or "slide", got ${JSON.stringify(merged.test.mode)}`);
  }
  if (merged.test.mode === "slide" && (!merged.test.crop || !merged.test.stride)) {
    throw new Error(`config.test: slide mode needs "crop" and "stride"`);
  }
  if (merged.test.mode === "slide") checkSlideWindows(merged.test.crop, merged.test.stride, "config.test");
  refinementFromConfig(merged.test.postprocess ?? [], "config.test.postprocess");
  return merged;
}
