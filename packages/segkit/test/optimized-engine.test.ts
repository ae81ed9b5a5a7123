// The optimized engine (PyTorch's optimized inference: the forward recorded per input shape, frozen
// and optimized by libtorch): its logits equal the eager model's within 1e-4 at every shape it meets,
// it keeps the last four shapes' graphs, refuses bad batches with the reason, runs eagerly the shapes
// oneDNN's adaptive pooling refuses, and `segkit test --optimize` scores what eager libtorch scores.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import { DataLoader } from "../src/data/loader/data-loader.js";
import "../src/data/index.js";
import { evaluate, predictProbabilities, networkProbabilities } from "../src/engine/evaluate.js";
import { openNetwork } from "../src/engine/open-network.js";
import { runConfig, type TestConfig } from "../src/engine/run-config.js";
import { OptimizedEngine } from "../src/inference/optimized-engine.js";
import type { Segmentor } from "../src/models/index.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-optimized-engine-"));
torch.setNumThreads(1);

const MODEL = { type: "unet", numClasses: 5, widths: [8, 16] };
const CONFIG = {
  model: MODEL,
  data: {
    train: { dataset: { type: "synthetic", length: 4, size: [48, 64], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 4, size: [48, 64], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  train: { threads: 1 },
};
const WHOLE: TestConfig = { mode: "whole", crop: null, stride: null, flip: false, scales: [1] };

let model: Segmentor;
let weights: string;
let configFile: string;

before(() => {
  torch.manualSeed(5);
  model = build<Segmentor>("model", MODEL);
  // Non-trivial BatchNorm statistics, so that folding them changes the weights.
  torch.noGrad(() => {
    for (const [key, t] of model.stateDict()) {
      if (key.endsWith("running_mean")) t.copy_(torch.randn(t.shape).mul(0.1));
      if (key.endsWith("running_var")) t.copy_(torch.rand(t.shape).add(0.5));
    }
  });
  model.eval();
  weights = join(tmp, "unet.safetensors");
  model.save(weights);
  configFile = join(tmp, "config.json");
  writeFileSync(configFile, JSON.stringify(CONFIG));
});

after(() => {
  model?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

async function assertSameLogits(engine: OptimizedEngine, shape: number[]): Promise<void> {
  const x = torch.randn(shape);
  const expected = model.predict(x);
  const got = await engine.run(x);
  const difference = torch.tidy(() => got.sub(expected).abs().max().item());
  assert.deepEqual(got.shape, expected.shape);
  assert.ok(difference <= 1e-4, `[${shape.join(", ")}]: logits differ by ${difference}`);
  for (const t of [x, expected, got]) t.dispose();
}

test("the optimized engine's logits equal the eager model's within 1e-4 at each shape; it keeps the last four shapes", async () => {
  const engine = OptimizedEngine.fromModel(model, "unet");
  try {
    await assertSameLogits(engine, [1, 3, 48, 64]);
    await assertSameLogits(engine, [2, 3, 32, 32]);
    await assertSameLogits(engine, [1, 3, 48, 64]); // the kept graph, now the most recent
    assert.deepEqual(engine.shapesKept, ["float32 2x3x32x32", "float32 1x3x48x64"]);
    for (const side of [16, 24, 40]) await assertSameLogits(engine, [1, 3, side, side]);
    assert.deepEqual(engine.shapesKept, ["float32 1x3x48x64", "float32 1x3x16x16", "float32 1x3x24x24", "float32 1x3x40x40"]);
  } finally {
    await engine.dispose();
  }
  assert.deepEqual(engine.shapesKept, []);
});

test("test-time flip and scales run through the optimized engine as through the model", async () => {
  const engine = OptimizedEngine.fromModel(model, "unet");
  const images = torch.randn([2, 3, 48, 64]);
  const mode: TestConfig = { ...WHOLE, flip: true, scales: [0.5, 1] };
  const expected = predictProbabilities(model, images, mode);
  const got = await networkProbabilities(engine, images, mode);
  const difference = torch.tidy(() => got.sub(expected).abs().max().item());
  assert.ok(difference <= 1e-5, `probabilities differ by ${difference}`);
  for (const t of [images, expected, got] as Tensor[]) t.dispose();
  await engine.dispose();
});

test("bad batches are refused with the reason, and the engine stays usable", async () => {
  const engine = OptimizedEngine.fromModel(model, "unet");
  const [wrongChannels, wrongRank, wrongDtype] = [torch.randn([1, 4, 32, 32]), torch.randn([3, 32, 32]), torch.zeros([1, 3, 32, 32], { dtype: "int64" })];
  await assert.rejects(engine.run(wrongChannels), /cannot be recorded on a float32 \[1, 4, 32, 32\] batch: Conv2d\(3, 8.*expected input of shape \(N, 3, H, W\)/);
  await assert.rejects(engine.run(wrongRank), /expected a float32 image batch \(N, C, H, W\), got float32 \[3, 32, 32\]/);
  await assert.rejects(engine.run(wrongDtype), /expected a float32 image batch .* got int64/);
  for (const t of [wrongChannels, wrongRank, wrongDtype]) t.dispose();
  assert.deepEqual(engine.shapesKept, []);
  await assertSameLogits(engine, [1, 3, 32, 32]);
  await engine.dispose();
});

test("segkit test --optimize scores what eager libtorch scores; --optimize with onnxruntime or --fold-bn is refused", async () => {
  const run = runConfig(structuredClone(CONFIG) as never);
  const loader = new DataLoader({ ...run.data.val, shuffle: false });
  const { summary } = await evaluate(model, loader, WHOLE);
  await loader.close();
  const r = spawnSync(process.execPath, [CLI, "test", configFile, weights, "--optimize", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const tested = JSON.parse(r.stdout);
  assert.ok(Math.abs(tested.aAcc - summary.aAcc) <= 1e-4, `aAcc ${tested.aAcc} vs eager ${summary.aAcc}`);
  assert.ok(Math.abs(tested.mIoU - summary.mIoU) <= 1e-4, `mIoU ${tested.mIoU} vs eager ${summary.mIoU}`);
  await assert.rejects(openNetwork(run, weights, { engine: "onnxruntime", optimize: true }), /--optimize is libtorch's optimized inference/);
  await assert.rejects(openNetwork(run, weights, { engine: "libtorch", optimize: true, foldBatchNorm: true }), /--optimize folds BatchNorm itself: drop --fold-bn/);
});

test("K-Net at 64×64 (PSP bins 3 and 6 on a 2×2 map, which oneDNN's adaptive pooling refuses) runs eagerly and gives the eager logits; 192×192 (a 6×6 map) takes the oneDNN graph", async () => {
  torch.manualSeed(3);
  const knet = build<Segmentor>("model", { type: "knet_s3_upernet_r18_tiny", numClasses: 5 }).eval();
  const engine = OptimizedEngine.fromModel(knet, "knet_s3_upernet_r18_tiny");
  try {
    for (const side of [64, 192]) {
      const x = torch.randn([1, 3, side, side]);
      const expected = knet.predict(x);
      const got = await engine.run(x);
      const difference = torch.relativeDifference([got], [expected]);
      assert.ok(difference <= 1e-3, `${side}×${side}: logits differ by ${difference} of the largest`);
      for (const t of [x, expected, got]) t.dispose();
    }
    assert.deepEqual(engine.shapesKept, ["float32 1x3x64x64", "float32 1x3x192x192"]);
    assert.deepEqual(engine.eagerShapes, ["float32 1x3x64x64"]);
  } finally {
    await engine.dispose();
    knet.dispose();
  }
});
