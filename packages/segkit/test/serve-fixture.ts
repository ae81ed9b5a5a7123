// A tiny served model for the serve tests: a U-Net config file and a checkpoint with class names and
// palette (random weights: the tests check the service, not the model), in a temporary folder.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { saveCheckpoint } from "../src/engine/checkpoint.js";
import "../src/models/index.js";
import type { Segmentor } from "../src/models/index.js";
import { ModelHost, type QueueLimits } from "../src/serve/model-host.js";

export const CLASSES = { classes: ["sky", "road", "car"], palette: [[0, 0, 255], [128, 128, 128], [255, 0, 0]] as [number, number, number][] };

/**
 * Writes config.json and model.safetensors under a new temporary folder (`test` overrides the
 * config's test section, `pipeline` its test pipeline; another `seed` gives other weights).
 */
export function tinyModel(test: Record<string, unknown> = {}, pipeline: Record<string, unknown>[] = [{ type: "normalize" }], seed = 0): { dir: string; config: string; checkpoint: string } {
  const dir = mkdtempSync(join(tmpdir(), "segkit-serve-"));
  const dataset = { type: "synthetic", length: 2, size: [32, 32], seed: 1 };
  const modelConfig = { type: "unet", numClasses: 3, widths: [4, 8] };
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({
    model: modelConfig,
    data: { train: { dataset, pipeline: [{ type: "normalize" }], batchSize: 1 }, val: { dataset, pipeline, batchSize: 1 } },
    optimizer: { type: "adamw", lr: 0.01 },
    train: { iters: 1, threads: 1 },
    test,
  }));
  torch.manualSeed(seed);
  const model = build<Segmentor>("model", modelConfig);
  const checkpoint = join(dir, "model.safetensors");
  // Random weights predict one class almost everywhere (the classifier's bias wins): without the bias
  // and with a stronger classifier the prediction follows the image, so several classes appear.
  const weights = model.stateDict();
  const [headWeight, headBias] = [weights.get("head.weight")!.mul(20), torch.zeros([3])];
  weights.set("head.weight", headWeight);
  weights.set("head.bias", headBias);
  saveCheckpoint(checkpoint, { tensors: { model: weights }, state: {}, classes: CLASSES });
  headWeight.dispose();
  headBias.dispose();
  model.dispose();
  return { dir, config, checkpoint };
}

export const LIMITS: QueueLimits = { workers: 1, queued: 4, timeoutMs: 20_000 };

export function startHost(name: string, files: { config: string; checkpoint: string }, limits: Partial<QueueLimits> = {}): Promise<ModelHost> {
  return ModelHost.start({ name, config: files.config, checkpoint: files.checkpoint, engine: "libtorch", threads: 1 }, { ...LIMITS, ...limits });
}

/** A PNG of random colours. */
export function randomPng(width: number, height: number, seed = 1): Promise<Buffer> {
  let s = seed;
  const pixels = Buffer.alloc(width * height * 3, 0).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
