// Interim demo (until the engine's `segkit demo`): trains a small fully convolutional network, written
// with raw @segkit/torch operators, on procedural shapes; evaluates mIoU with @segkit/metrics; writes
// colour-coded predictions with sharp.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { ConfusionMatrix, report, summarize } from "@segkit/metrics";
import { makeShapes, SHAPE_CLASSES } from "./shapes.js";

const SIZE = 48;
const STEPS = Number(process.env.SEGKIT_DEMO_STEPS ?? 1500);
const BATCH = 8;
const PALETTE = [[0, 0, 0], [230, 25, 75], [60, 180, 75], [0, 130, 200]];

function kaiming(shape: number[]): torch.Tensor {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return torch.tidy(() => torch.randn(shape).mul(Math.sqrt(2 / fanIn)));
}

const params = {
  w1: kaiming([16, 3, 3, 3]), b1: torch.zeros([16]),
  w2: kaiming([32, 16, 3, 3]), b2: torch.zeros([32]),
  w3: kaiming([32, 32, 3, 3]), b3: torch.zeros([32]),
  w4: kaiming([SHAPE_CLASSES.length, 48, 1, 1]), b4: torch.zeros([SHAPE_CLASSES.length]),
};

function forward(x: torch.Tensor): torch.Tensor {
  const p = params;
  const f1 = torch.conv2d(x, p.w1, p.b1, 1, 1).relu();
  const f2 = torch.conv2d(f1, p.w2, p.b2, 2, 1).relu();
  const f3 = torch.conv2d(f2, p.w3, p.b3, 1, 2, 2).relu();
  const up = torch.upsampleBilinear2d(f3, [SIZE, SIZE], false);
  return torch.conv2d(torch.cat([f1, up], 1), p.w4, p.b4);
}

async function main(): Promise<void> {
  torch.manualSeed(0);
  for (const t of Object.values(params)) t.requiresGrad = true;
  const velocity = Object.values(params).map((t) => torch.zerosLike(t));
  const train = makeShapes(256, SIZE, 1);
  const images = torch.tensor(train.images, { shape: [train.count, 3, SIZE, SIZE] });
  const labels = torch.tensor(train.labels, { shape: [train.count, SIZE, SIZE] });
  const started = Date.now();
  for (let step = 1; step <= STEPS; step++) {
    const loss = torch.tidy(() => {
      const idx = torch.randint(0, train.count, [BATCH]);
      const l = torch.crossEntropyLoss(forward(images.indexSelect(0, idx)), labels.indexSelect(0, idx));
      l.backward();
      return l.item();
    });
    const lr = 0.1 * (1 - (step - 1) / STEPS) ** 0.9;
    torch.noGrad(() => Object.values(params).forEach((p, i) => {
      const g = p.grad!;
      velocity[i].mul_(0.9).add_(g);
      p.sub_(velocity[i], { alpha: lr });
      g.zero_();
    }));
    if (step % 50 === 0 || step === 1) console.log(`step ${step}/${STEPS}  loss ${loss.toFixed(4)}  lr ${lr.toFixed(4)}`);
  }
  console.log(`trained ${STEPS} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const test = makeShapes(32, SIZE, 2);
  const predicted = torch.tidy(() => torch.inferenceMode(() =>
    forward(torch.tensor(test.images, { shape: [test.count, 3, SIZE, SIZE] })).argmax(1).to("uint8")));
  const pred = predicted.toTypedArray() as Uint8Array;
  const gt = Uint8Array.from(test.labels, Number);
  const cm = new ConfusionMatrix(SHAPE_CLASSES.length).update(pred, gt);
  const summary = summarize(cm);
  console.log(report(summary, "text", { names: SHAPE_CLASSES }));

  const out = resolve(process.env.SEGKIT_DEMO_OUT ?? join("runs", "demo"));
  mkdirSync(out, { recursive: true });
  const plane = SIZE * SIZE;
  for (let n = 0; n < 8; n++) {
    const rgb = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++) rgb.set(PALETTE[pred[n * plane + p]], p * 3);
    await sharp(rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(join(out, `pred_${n}.png`));
  }
  console.log(`mIoU ${(summary.mIoU * 100).toFixed(1)}  predictions written to ${out}/pred_0..7.png`);
  for (const t of [...Object.values(params), ...velocity, images, labels, predicted]) t.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
