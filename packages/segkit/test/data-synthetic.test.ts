// The synthetic dataset is learnable: a five-layer fully convolutional network (raw @segkit/torch
// operators, SGD with momentum) reaches a high mIoU on held-out scenes in 300 steps, fed through
// the DataLoader with a worker. Guards the "demo default" promise against a too-hard generator.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { ConfusionMatrix, summarize } from "@segkit/metrics";
import { DataLoader } from "../src/data/loader/data-loader.js";
import { SYNTHETIC_CLASSES } from "../src/data/datasets/synthetic.js";

const SIZE = 48;
const STEPS = 300;
const K = SYNTHETIC_CLASSES.length;

function kaiming(shape: number[]): torch.Tensor {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return torch.tidy(() => torch.randn(shape).mul(Math.sqrt(2 / fanIn)));
}

test("a small FCN learns the synthetic scenes to mIoU > 0.85 in 300 steps", async () => {
  const before = torch.liveTensors();
  torch.manualSeed(0);
  const p = {
    w1: kaiming([24, 3, 3, 3]), b1: torch.zeros([24]), w2: kaiming([32, 24, 3, 3]), b2: torch.zeros([32]),
    w3: kaiming([48, 32, 3, 3]), b3: torch.zeros([48]), w4: kaiming([48, 48, 3, 3]), b4: torch.zeros([48]),
    w5: kaiming([48, 48, 3, 3]), b5: torch.zeros([48]), w6: kaiming([K, 72, 1, 1]), b6: torch.zeros([K]),
  };
  const params = Object.values(p);
  for (const t of params) t.requiresGrad = true;
  const velocity = params.map((t) => torch.zerosLike(t));
  // Full resolution for the classifier's skip input, dilations for context at 1/4 resolution.
  const forward = (x: torch.Tensor): torch.Tensor => {
    const f1 = torch.conv2d(x, p.w1, p.b1, 1, 1).relu();
    const f2 = torch.conv2d(f1, p.w2, p.b2, 2, 1).relu();
    const f3 = torch.conv2d(f2, p.w3, p.b3, 2, 1).relu();
    const f4 = torch.conv2d(f3, p.w4, p.b4, 1, 2, 2).relu();
    const f5 = torch.conv2d(f4, p.w5, p.b5, 1, 4, 4).relu();
    return torch.conv2d(torch.cat([f1, torch.upsampleBilinear2d(f5, [SIZE, SIZE], false)], 1), p.w6, p.b6);
  };

  const train = new DataLoader({
    dataset: { type: "synthetic", length: 512, size: [SIZE, SIZE], seed: 1 },
    pipeline: [{ type: "RandomFlip" }, { type: "Normalize" }], batchSize: 8, shuffle: true, workers: 1,
  });
  let step = 0;
  while (step < STEPS) {
    for await (const batch of train.epoch(step)) {
      torch.tidy(() => torch.crossEntropyLoss(forward(batch.images), batch.labels, { ignoreIndex: 255 }).backward());
      batch.images.dispose();
      batch.labels.dispose();
      const lr = 0.05 * (1 - step / STEPS) ** 0.9;
      torch.noGrad(() => params.forEach((t, i) => {
        velocity[i].mul_(0.9).add_(t.grad!);
        t.sub_(velocity[i], { alpha: lr });
        t.grad = null;
      }));
      if (++step === STEPS) break;
    }
  }
  await train.close();

  const val = new DataLoader({ dataset: { type: "synthetic", length: 48, size: [SIZE, SIZE], seed: 99 }, pipeline: [{ type: "Normalize" }], batchSize: 16 });
  const matrix = new ConfusionMatrix(K);
  for await (const batch of val.epoch()) {
    const predicted = torch.tidy(() => torch.inferenceMode(() => forward(batch.images).argmax(1).to("uint8")));
    matrix.update(predicted.toTypedArray() as Uint8Array, Uint8Array.from(batch.labels.toTypedArray() as BigInt64Array, Number));
    for (const t of [predicted, batch.images, batch.labels]) t.dispose();
  }
  const { mIoU } = summarize(matrix);
  for (const t of [...params, ...velocity]) t.dispose();
  assert.ok(mIoU > 0.85, `mIoU ${mIoU}`);
  assert.equal(torch.liveTensors(), before);
});

test("labelNoise flips that fraction of label pixels to other classes and leaves the images alone", async () => {
  const { synthetic } = await import("../src/data/datasets/synthetic.js");
  const clean = synthetic({ length: 4, size: [64, 64], seed: 3 });
  const noisy = synthetic({ length: 4, size: [64, 64], seed: 3, labelNoise: 0.2 });
  let flipped = 0;
  let total = 0;
  for (let i = 0; i < 4; i++) {
    const [a, b] = [clean.draw(i), noisy.draw(i)];
    assert.deepEqual(b.pixels, a.pixels, "same image");
    for (let p = 0; p < a.label.length; p++) flipped += a.label[p] !== b.label[p] ? 1 : 0;
    total += a.label.length;
    assert.ok(b.label.every((c) => c < K), "flipped labels are classes");
  }
  // 16,384 pixels: ±0.015 is about 5 standard errors of the fraction.
  assert.ok(Math.abs(flipped / total - 0.2) < 0.015, `flipped ${flipped / total}`);
  assert.throws(() => synthetic({ labelNoise: 1.5 }), /"labelNoise" must be a number in \[0, 1\]/);
});
