// Training proof for DDRNet and PIDNet at reduced width: every trainable parameter gets a gradient
// from forwardTrain (all heads and loss terms), and Adam overfits 4 synthetic 128×128 scenes to
// mIoU ≥ 0.9 in eval mode within 250 steps. One run per code path: DDRNet-23 and -23-slim are the
// same network at other widths, as are PIDNet-S and -M; PIDNet-L has its own (DAPPM, Bag).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfusionMatrix, summarize } from "@segkit/metrics";
import * as torch from "@segkit/torch";
import { build, type Config } from "../src/config/registry.js";
import { SyntheticDataset, SYNTHETIC_CLASSES } from "../src/data/index.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { zeroGradientOf } from "./fixtures/realtime_ddrnet_zero_gradient.js";

torch.setNumThreads(1);
const CLASSES = SYNTHETIC_CLASSES.length;
const SIZE = 128; // at 64², the stride-64 stage is 1×1 and eval-mode BatchNorm statistics stay poor
const MAX_STEPS = 250;

const MODELS: Config[] = [
  { type: "ddrnet_23_slim", planes: 8, sppPlanes: 16, headPlanes: 16 },
  { type: "pidnet_s", planes: 8, ppmPlanes: 16, headPlanes: 16 },
  // Deeper (m=3, n=4): at width 4 it learns as fast as the others at 8, in less time.
  { type: "pidnet_l", planes: 4, ppmPlanes: 8, headPlanes: 8 },
];

async function scenes(): Promise<{ x: torch.Tensor; y: torch.Tensor }> {
  const dataset = new SyntheticDataset(4, [SIZE, SIZE], 3);
  const samples = await Promise.all([0, 1, 2, 3].map((i) => dataset.get(i)));
  const batch = torch.tidy(() => ({
    x: torch.stack(samples.map((s) => s.image)).div(255).sub(0.5),
    y: torch.stack(samples.map((s) => s.label)),
  }));
  for (const s of samples) [s.image, s.label].forEach((t) => t.dispose());
  return batch;
}

function meanIoU(model: Segmentor, x: torch.Tensor, y: torch.Tensor): number {
  const predicted = torch.tidy(() => model.eval().predict(x).argmax(1).to("uint8"));
  const matrix = new ConfusionMatrix(CLASSES);
  matrix.update(predicted.toTypedArray() as Uint8Array, Uint8Array.from(y.toTypedArray() as BigInt64Array, Number));
  predicted.dispose();
  model.train();
  return summarize(matrix).mIoU;
}

for (const config of MODELS) {
  test(`${config.type} (reduced width): every parameter gets a gradient; overfits 4 scenes to mIoU ≥ 0.9`, async () => {
    const start = torch.liveTensors();
    torch.manualSeed(0);
    const model = build<Segmentor>("model", { numClasses: CLASSES, ...config });
    const { x, y } = await scenes();
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 5e-3 });
    let mIoU = 0;
    let step = 0;
    while (step < MAX_STEPS && mIoU < 0.9) {
      optimizer.zeroGrad({ setToNone: true });
      torch.tidy(() => model.forwardTrain(x, y).loss.backward());
      if (step === 0) {
        const params = model.namedParameters();
        const size = (g: torch.Tensor | null): number => (g ? torch.tidy(() => g.abs().max().item()) : 0);
        const largest = Math.max(...[...params.values()].map((p) => size(p.grad)));
        const without = [...params].filter(([name, p]) => !zeroGradientOf(String(config.type)).test(name) && !(size(p.grad) > 1e-6 * largest)).map(([name]) => name);
        assert.deepEqual(without, [], "parameters without a gradient");
      }
      optimizer.step();
      if (++step % 25 === 0) mIoU = meanIoU(model, x, y);
    }
    assert.ok(mIoU >= 0.9, `mIoU ${mIoU.toFixed(3)} after ${step} steps`);
    optimizer.dispose();
    model.zeroGrad();
    model.dispose();
    x.dispose();
    y.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}
