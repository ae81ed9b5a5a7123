// The onnxruntime engine runs the model's exported graph through the same test-time inference as
// libtorch (whole, slide, flip, multi-scale): on a U-Net trained here on synthetic scenes, the two
// engines' labels agree on ≥ 99.9% of the pixels and their probabilities within 1e-4. `segkit test`
// and `segkit predict` take --engine onnxruntime (exported on the fly, or a given .onnx file);
// graphs the engine cannot use are refused with the reason.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { DataLoader } from "../src/data/loader/data-loader.js";
import "../src/data/index.js";
import { SyntheticDataset } from "../src/data/datasets/synthetic.js";
import { evaluate, networkProbabilities, predictProbabilities } from "../src/engine/evaluate.js";
import { exportModel } from "../src/engine/export-model.js";
import { loadModel } from "../src/engine/load.js";
import { openNetwork } from "../src/engine/open-network.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig, type RunConfig, type TestConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { OnnxRuntimeEngine } from "../src/inference/onnxruntime-engine.js";
import { readLabelPng } from "../src/io/label-png.js";
import type { Segmentor } from "../src/models/index.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-onnxruntime-engine-"));
torch.setNumThreads(1);

const CONFIG = {
  model: { type: "unet", numClasses: 5, widths: [8, 16] },
  data: {
    train: { dataset: { type: "synthetic", length: 8, size: [48, 64], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 4, size: [48, 64], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  optimizer: { type: "adamw", lr: 0.01 },
  train: { iters: 30, valInterval: 30, checkpointInterval: 30, logInterval: 30, seed: 1, threads: 1 },
};
const WHOLE: TestConfig = { mode: "whole", crop: null, stride: null, flip: false, scales: [1] };
const MODES: Record<string, TestConfig> = {
  whole: WHOLE,
  slide: { ...WHOLE, mode: "slide", crop: [32, 32], stride: [16, 24] },
  flip: { ...WHOLE, flip: true },
  "multi-scale and flip": { ...WHOLE, flip: true, scales: [0.75, 1.25] },
};

let run: RunConfig;
let checkpoint: string;
let configFile: string;
let model: Segmentor;

before(async () => {
  run = runConfig(structuredClone(CONFIG) as never);
  const workDir = join(tmp, "run");
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);
  await train(runConfig(structuredClone(CONFIG) as never), { workDir, progress: quiet });
  checkpoint = join(workDir, "checkpoints", "iter_30.safetensors");
  configFile = join(tmp, "config.json");
  writeFileSync(configFile, JSON.stringify(CONFIG));
  model = loadModel(run, checkpoint).model;
});

after(() => {
  model?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

test("labels of the onnxruntime engine agree with libtorch's in whole, slide, flip and multi-scale modes", async () => {
  const engine = OnnxRuntimeEngine.fromModel(model, "unet", { threads: 1 });
  const loader = new DataLoader({ ...run.data.val, shuffle: false });
  const classesSeen = new Set<number>();
  try {
    for (const [name, mode] of Object.entries(MODES)) {
      let [agreeing, pixels, difference] = [0, 0, 0];
      for await (const batch of loader.epoch(0)) {
        const expected = predictProbabilities(model, batch.images, mode);
        const got = await networkProbabilities(engine, batch.images, mode);
        torch.tidy(() => {
          difference = Math.max(difference, got.sub(expected).abs().max().item());
          const [a, b] = [got.argmax(1), expected.argmax(1)];
          agreeing += a.eq(b).sum().item();
          pixels += b.numel();
          for (const k of b.toTypedArray() as BigInt64Array) classesSeen.add(Number(k));
        });
        for (const t of [expected, got, batch.images, batch.labels]) t.dispose();
      }
      assert.ok(agreeing / pixels >= 0.999, `${name}: labels agree on ${agreeing} of ${pixels} pixels`);
      assert.ok(difference <= 1e-4, `${name}: probabilities differ by ${difference}`);
    }
  } finally {
    await loader.close();
    await engine.dispose();
  }
  assert.ok(classesSeen.size >= 3, `the trained model predicts several classes: ${[...classesSeen]}`);
});

function segkit(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `segkit ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

test("segkit test --engine onnxruntime exports on the fly and scores what libtorch scores", async () => {
  const loader = new DataLoader({ ...run.data.val, shuffle: false });
  const { summary } = await evaluate(model, loader, MODES.slide);
  await loader.close();
  const tested = JSON.parse(segkit("test", configFile, checkpoint, "--engine", "onnxruntime", "--slide", "32x32,16x24", "--json"));
  assert.ok(Math.abs(tested.aAcc - summary.aAcc) <= 1e-3, `aAcc ${tested.aAcc} vs libtorch's ${summary.aAcc}`);
  assert.ok(Math.abs(tested.mIoU - summary.mIoU) <= 1e-3, `mIoU ${tested.mIoU} vs libtorch's ${summary.mIoU}`);
});

test("segkit predict --engine onnxruntime runs a given .onnx file; its labels agree with libtorch's", async () => {
  const images = join(tmp, "images");
  mkdirSync(images, { recursive: true });
  const scenes = new SyntheticDataset(2, [48, 64], 7);
  const raws = await Promise.all([0, 1].map((i) => scenes.raw(i)));
  for (const [i, s] of raws.entries()) await sharp(s.pixels as Uint8Array, { raw: { width: s.width, height: s.height, channels: 3 } }).png().toFile(join(images, `s${i}.png`));
  const onnx = join(tmp, "unet-48x64.onnx");
  exportModel(model, onnx, { format: "onnx", size: [48, 64], modelType: "unet" });
  const out = join(tmp, "predicted");
  segkit("predict", configFile, onnx, images, "--engine", "onnxruntime", "--flip", "--out", out);
  const pipeline = predictionPipeline(run.data.val.pipeline);
  for (const [i, s] of raws.entries()) {
    const expected = predictLabels(model, { ...s, meta: { file: `s${i}`, size: [48, 64] } }, pipeline, MODES.flip);
    const got = (await readLabelPng(join(out, "labels", `s${i}.png`))).data;
    const agreeing = expected.filter((k, p) => got[p] === k).length;
    assert.ok(agreeing / expected.length >= 0.999, `s${i}: labels agree on ${agreeing} of ${expected.length} pixels`);
  }
});

test("a given .onnx file with dynamic axes runs multi-scale sliding windows on whole batches", async () => {
  const file = join(tmp, "dynamic.onnx");
  exportModel(model, file, { format: "onnx", size: [32, 32], modelType: "unet", dynamic: true });
  const engine = await OnnxRuntimeEngine.open(file, model);
  const mode: TestConfig = { ...MODES.slide, scales: [0.5, 1], flip: true };
  const images = torch.randn([2, 3, 48, 64]);
  const expected = predictProbabilities(model, images, mode);
  const got = await networkProbabilities(engine, images, mode);
  const difference = torch.tidy(() => got.sub(expected).abs().max().item());
  assert.ok(difference <= 1e-4, `probabilities differ by ${difference}`);
  for (const t of [images, expected, got]) t.dispose();
  await engine.dispose();
});

test("graphs the engine cannot use are refused, naming the file and the reason", async () => {
  const labels = join(tmp, "labels.onnx");
  exportModel(model, labels, { format: "onnx", size: [32, 32], modelType: "unet", argmax: true });
  await assert.rejects(OnnxRuntimeEngine.open(labels, model), /labels\.onnx: its first output is not float32 \(N, K, H, W\) logits.*export without --argmax/);
  const fixed = join(tmp, "fixed.onnx");
  exportModel(model, fixed, { format: "onnx", size: [32, 32], modelType: "unet" });
  const engine = await OnnxRuntimeEngine.open(fixed, model);
  const x = torch.randn([1, 3, 32, 48]);
  await assert.rejects(engine.run(x), /fixed\.onnx takes 32×32 images, got 32×48: export it at the size it runs at, or with --dynamic/);
  x.dispose();
  await engine.dispose();
  const ten = { ...run, model: { ...run.model, numClasses: 10 } };
  await assert.rejects(openNetwork(ten, fixed, { engine: "onnxruntime" }), /fixed\.onnx: it outputs 5 classes but config\.model predicts 10/);
  await assert.rejects(openNetwork(run, fixed, { engine: "libtorch" }), /checkpoint .*fixed\.onnx is an ONNX file: run it with --engine onnxruntime/);
  writeFileSync(join(tmp, "broken.onnx"), "not a model");
  await assert.rejects(openNetwork(run, join(tmp, "broken.onnx"), { engine: "onnxruntime" }), /broken\.onnx: onnxruntime cannot load it/);
});
