// Turning command-line arguments into a run: a config file (or the name of a shipped config) with
// --set overrides, and a model with weights from a checkpoint or a plain state dict.
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadWeights, randn, type nn } from "@segkit/torch";
import { build } from "../config/registry.js";
import { loadConfig } from "../config/compose.js";
import { applyOverrides, type ConfigObject } from "../config/overrides.js";
import { resolveRoots } from "../config/roots.js";
import { didYouMean } from "../config/closest.js";
import "../models/index.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { Dataset } from "../data/types.js";
import "../data/index.js";
import { readClassInfo, type ClassInfo } from "./class-info.js";
import { zooWeights } from "./model-zoo.js";
import { runConfig, TRAIN_DEFAULTS, type RunConfig } from "./run-config.js";

/** The configs shipped with segkit (packages/segkit/configs). */
export const SHIPPED_CONFIGS = fileURLToPath(new URL("../../../configs", import.meta.url));

export function shippedConfigNames(): string[] {
  return readdirSync(SHIPPED_CONFIGS).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
}

/** A config path, or a shipped config's name ("demo_synthetic"); errors name what was given. */
export function resolveConfigPath(given: string): string {
  if (existsSync(given)) return given;
  const shipped = join(SHIPPED_CONFIGS, `${given}.json`);
  if (existsSync(shipped)) return shipped;
  const names = shippedConfigNames();
  throw new Error(`config ${given}: no such file, and no shipped config of that name${didYouMean(given, names)} (shipped: ${names.join(", ")})`);
}

/** The config file's roots are relative to it; roots still relative after the overrides came from --set: relative to the working directory. */
export async function loadRunConfig(given: string, overrides: readonly string[] = []): Promise<RunConfig> {
  const loaded = await loadConfig(resolveConfigPath(given));
  // The train keys are there with their defaults, so that --set reaches those the file leaves out
  // (the launcher sets train.threads on every rank); a train that is not an object is runConfig's to name.
  const train = loaded.train ?? {};
  if (typeof train === "object" && train !== null && !Array.isArray(train)) loaded.train = { ...TRAIN_DEFAULTS, ...train } as ConfigObject;
  const config = applyOverrides(loaded, overrides);
  resolveRoots(config, process.cwd());
  return runConfig(config);
}

/** The weights to load: the checkpoint given, or else the model zoo's for a shipped config name. */
export function checkpointFor(config: string, checkpoint: string | undefined): string {
  if (checkpoint !== undefined) return checkpoint;
  if (!shippedConfigNames().includes(config)) {
    throw new Error(`config ${config}: no checkpoint given (segkit's trained weights belong to shipped config names; see \`segkit zoo\`)`);
  }
  return zooWeights(config).weightsPath;
}

export interface LoadModelOptions {
  /** Inference only: fold BatchNorm into the convolutions (Segmentor.optimizeForInference). */
  foldBatchNorm?: boolean;
}

export interface LoadedModel {
  model: Segmentor;
  /** The classes and palette the checkpoint stores (null for a plain state dict or an older checkpoint). */
  classes: ClassInfo | null;
}

/**
 * Loads a segkit checkpoint (its "model/" tensors) or a plain state dict (safetensors or .pth) into
 * `model`; returns the classes and palette the checkpoint stores, which must number `classCount`.
 * Errors name the checkpoint.
 */
export function loadCheckpointWeights(model: nn.Module, checkpoint: string, classCount: number): ClassInfo | null {
  if (!existsSync(checkpoint)) throw new Error(`checkpoint ${checkpoint}: no such file`);
  const { tensors, metadata } = loadWeights(checkpoint);
  try {
    const classes = readClassInfo(metadata, `checkpoint ${checkpoint}`);
    if (classes && classes.classes.length !== classCount) {
      throw new Error(`stores ${classes.classes.length} classes but config.model predicts ${classCount}`);
    }
    const prefixed = [...tensors.keys()].some((k) => k.startsWith("model/"));
    const weights = prefixed
      ? new Map([...tensors].filter(([k]) => k.startsWith("model/")).map(([k, t]) => [k.slice("model/".length), t]))
      : tensors;
    model.loadStateDict(weights);
    return classes;
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(`checkpoint ${checkpoint}`) ? message : `checkpoint ${checkpoint}: ${message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** The config's model, in eval mode, with weights from a segkit checkpoint (its "model/" tensors) or a plain state dict (safetensors or .pth). */
export function loadModel(config: RunConfig, checkpoint: string, { foldBatchNorm = false }: LoadModelOptions = {}): LoadedModel {
  if (!existsSync(checkpoint)) throw new Error(`checkpoint ${checkpoint}: no such file`);
  const model = build<Segmentor>("model", config.model, "config.model");
  let classes: ClassInfo | null;
  try {
    classes = loadCheckpointWeights(model, checkpoint, model.numClasses);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  if (foldBatchNorm) {
    // Which convs feed which norms depends on the structure, not the pixels: a random RGB image of a
    // size every model's stride allows serves as the traced example.
    const side = model.divisor * Math.ceil(128 / model.divisor);
    const example = randn([1, 3, side, side]);
    try {
      model.optimizeForInference(example);
    } finally {
      example.dispose();
    }
  }
  return { model, classes };
}

/**
 * The classes and palette to write predictions with: the checkpoint's, or for a checkpoint without
 * them, the config's validation dataset's (which must then exist).
 */
export function predictionClasses({ model, classes }: { model: Pick<Segmentor, "numClasses">; classes: ClassInfo | null }, config: RunConfig, checkpoint: string): ClassInfo {
  if (classes) return classes;
  let dataset: Dataset;
  try {
    dataset = build<Dataset>("dataset", config.data.val.dataset, "config.data.val.dataset");
  } catch (e) {
    throw new Error(`checkpoint ${checkpoint} stores no class names and palette, and the config's dataset cannot give them: ${(e as Error).message}`);
  }
  if (dataset.classes.length !== model.numClasses) {
    throw new Error(`config.data.val.dataset has ${dataset.classes.length} classes but config.model predicts ${model.numClasses}`);
  }
  return { classes: dataset.classes, palette: dataset.palette };
}
