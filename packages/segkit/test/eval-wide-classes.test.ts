// Class ids and the ignore index are never narrowed to bytes: evaluation counts 300 classes and an
// ignore index of 65535 exactly; a folder dataset whose ids cannot travel through the (byte) data
// pipeline is refused naming its class file and the value; and a model whose ignoreIndex differs
// from its dataset's stops `segkit train` and `segkit test` at start, naming both.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import type { DataLoader } from "../src/data/loader/data-loader.js";
import { evaluate } from "../src/engine/evaluate.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-wide-classes-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("evaluate counts 300 classes and ignore index 65535 without wrapping", async () => {
  const K = 300;
  const IGNORE = 65535;
  // One image of 6 pixels; the stand-in model's logits pick `predicted` exactly (one-hot, large margin).
  const predicted = [299, 256, 4, 299, 44, 7];
  const truth = [299, 256, 4, 43, IGNORE, 255];
  const logits = new Float32Array(K * predicted.length);
  predicted.forEach((c, p) => (logits[c * predicted.length + p] = 50));
  const model = {
    divisor: 1, training: false, numClasses: K,
    // no weights, so evaluate computes on the CPU
    parameters: () => [],
    eval() { return this; },
    train() { return this; },
    predict: () => torch.tensor(logits, { shape: [1, K, 1, predicted.length] }),
  } as unknown as Segmentor;
  const loader = {
    dataset: { classes: Array.from({ length: K }, (_, i) => `c${i}`), ignoreIndex: IGNORE },
    async *epoch() {
      yield { images: torch.zeros([1, 3, 1, predicted.length]), labels: torch.tensor(new Int32Array(truth), { shape: [1, 1, truth.length], dtype: "int64" }) };
    },
  } as unknown as DataLoader;
  const before = torch.liveTensors();
  const { matrix } = await evaluate(model, loader, { mode: "whole", flip: false, scales: [1] } as never);
  assert.equal(torch.liveTensors(), before);
  const counted: [number, number, number][] = [];
  for (let gt = 0; gt < K; gt++) for (let pred = 0; pred < K; pred++) if (matrix.at(gt, pred) > 0) counted.push([gt, pred, matrix.at(gt, pred)]);
  // The ignored pixel is dropped; 299 and 256 stay themselves (as bytes they were 43 and 0).
  assert.deepEqual(counted, [[4, 4, 1], [43, 299, 1], [255, 7, 1], [256, 256, 1], [299, 299, 1]]);
});

test("a folder dataset whose class ids or ignore index do not fit the byte label path is refused, naming the file and value", () => {
  const root = join(tmp, "folder");
  mkdirSync(join(root, "images"), { recursive: true });
  mkdirSync(join(root, "masks"), { recursive: true });
  const classesFile = join(root, "classes.json");
  writeFileSync(classesFile, JSON.stringify({ classes: Array.from({ length: 300 }, (_, i) => `c${i}`) }));
  assert.throws(() => build("dataset", { type: "folder", root }), new RegExp(`class file ${classesFile}: 300 classes; .*class ids 0\\.\\.255`));
  writeFileSync(classesFile, JSON.stringify({ classes: ["a", "b"], ignoreIndex: 65535 }));
  assert.throws(() => build("dataset", { type: "folder", root }), new RegExp(`class file ${classesFile}: "ignoreIndex" 65535 must be an integer 0\\.\\.255`));
});

test("segkit train and segkit test stop at start when the model's ignoreIndex differs from the dataset's, naming both", () => {
  const config = {
    model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
    data: {
      train: { dataset: { type: "synthetic", length: 2, size: [16, 16], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
      val: { dataset: { type: "synthetic", length: 2, size: [16, 16], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    },
    optimizer: { type: "sgd", lr: 0.01 },
    schedule: { type: "poly", power: 0.9 },
    train: { iters: 1, valInterval: 1, checkpointInterval: 1, logInterval: 1, seed: 0, threads: 1 },
  };
  const configPath = join(tmp, "run.json");
  writeFileSync(configPath, JSON.stringify(config));
  const workDir = join(tmp, "run");
  const mismatch = /config\.data\.(train|val)\.dataset ignores label 255 but config\.model\.ignoreIndex is 0: set config\.model\.ignoreIndex to 255/;
  const wrong = spawnSync(process.execPath, [CLI, "train", configPath, "--work-dir", join(tmp, "wrong"), "--set", "model.ignoreIndex=0"], { encoding: "utf8" });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, mismatch);
  const trained = spawnSync(process.execPath, [CLI, "train", configPath, "--work-dir", workDir], { encoding: "utf8" });
  assert.equal(trained.status, 0, trained.stderr);
  const checkpoint = join(workDir, "checkpoints", "iter_1.safetensors");
  const tested = spawnSync(process.execPath, [CLI, "test", configPath, checkpoint, "--set", "model.ignoreIndex=0"], { encoding: "utf8" });
  assert.notEqual(tested.status, 0);
  assert.match(tested.stderr, /config\.data\.val\.dataset ignores label 255 but config\.model\.ignoreIndex is 0/);
});
