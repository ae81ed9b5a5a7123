// The training proof for K-Net panoptic: a reduced model (ResNet-18 of width 8, UPerHead of 32
// channels, 8 thing kernels and one kernel per stuff class, 2 update stages) overfits four 64×64
// synthetic panoptic scenes (sky and ground stuff, shape things) to a panoptic quality
// (panopticapi's definition, @segkit/metrics) of at least 0.8 with the thresholds `segkit eval --task
// panoptic` uses for it (the authors' K-Net ones, model.panopticThresholds); every trainable parameter gets a non-zero gradient and no
// tensor outlives the run.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { PanopticQuality, type PanopticMap } from "@segkit/metrics";
import { build } from "../src/config/registry.js";
import { SyntheticPanopticDataset } from "../src/data/datasets/synthetic-panoptic.js";
import "../src/models/index.js";
import type { MaskTarget } from "../src/models/segmentors/maskformer/mask-matcher.js";
import type { KNetPanoptic } from "../src/models/segmentors/knet/model.js";
import { reestimateBatchNorm } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const SIZE: [number, number] = [64, 64];
const STEPS = 120;
const PQ_FLOOR = 0.8;

test("K-Net panoptic (reduced) overfits synthetic panoptic scenes; every parameter gets a gradient", async () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const dataset = new SyntheticPanopticDataset(4, SIZE, 3);
  const raws = await Promise.all([0, 1, 2, 3].map((i) => dataset.raw(i)));
  const samples = await Promise.all([0, 1, 2, 3].map((i) => dataset.get(i)));
  const x = torch.tidy(() => torch.stack(samples.map((s) => s.image)).div(255).sub(0.5));
  for (const s of samples) [s.image, s.label].forEach((t) => t.dispose());
  const targets: MaskTarget[] = raws.map(({ panoptic }) => {
    const segments = panoptic.segments.filter((s) => s.area > 0);
    return torch.tidy(() => {
      const ids = torch.tensor(panoptic.ids, { shape: SIZE });
      return {
        labels: torch.tensor(segments.map((s) => s.category), { dtype: "int64" }),
        masks: ids.unsqueeze(0).eq(torch.tensor(segments.map((s) => s.id), { dtype: "int32" }).view([-1, 1, 1])).to("float32"),
      };
    });
  });
  const stuffClasses = dataset.isThing.flatMap((t, c) => (t ? [] : [c]));
  const model = build<KNetPanoptic>("model", {
    type: "knet_s3_panoptic_r50", numClasses: dataset.classes.length, stuffClasses, backbone: { type: "resnet18", width: 8 }, generateHead: { channels: 32 },
    numProposals: 8, numStages: 2, updatorChannels: 16, numHeads: 4, feedforwardChannels: 64,
  });

  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  const waiting = new Map(trainable);
  const optimizer = new torch.optim.AdamW(trainable.map(([, p]) => p), { lr: 3e-3, weightDecay: 0 });
  const losses: number[] = [];
  model.train();
  const started = performance.now();
  for (let step = 0; step < STEPS; step++) {
    optimizer.zeroGrad({ setToNone: true });
    losses.push(torch.tidy(() => {
      const { loss } = model.forwardTrainSegments(x, targets);
      loss.backward();
      return loss.item();
    }));
    for (const [name, p] of waiting) if (p.grad && torch.tidy(() => p.grad!.abs().max().item()) > 0) waiting.delete(name);
    optimizer.step();
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  model.zeroGrad();
  reestimateBatchNorm(model, x);

  const pq = new PanopticQuality({ numCategories: dataset.classes.length, things: dataset.isThing.flatMap((t, c) => (t ? [c] : [])) });
  model.predictPanoptic(x, { isThing: dataset.isThing, ...model.panopticThresholds }).forEach((predicted, b) => {
    const asMap = (ids: ArrayLike<number>, segments: { id: number; category: number }[]): PanopticMap => ({ ids, segments: new Map(segments.map((s) => [s.id, { category: s.category }])) });
    const { panoptic } = raws[b];
    pq.updateSegments(asMap(predicted.ids, predicted.segments), asMap(panoptic.ids, panoptic.segments.filter((s) => s.area > 0)));
  });
  const { all } = pq.result();
  assert.deepEqual([...waiting.keys()], [], "trainable parameters without a non-zero gradient");
  assert.ok(losses.every(Number.isFinite), "finite losses");
  console.log(`K-Net panoptic overfit: PQ ${all.pq.toFixed(3)} (SQ ${all.sq.toFixed(3)}, RQ ${all.rq.toFixed(3)}) after ${STEPS} steps in ${seconds.toFixed(1)} s; loss ${losses[0].toFixed(2)} -> ${losses.at(-1)!.toFixed(2)}`);
  assert.ok(all.pq >= PQ_FLOOR, `PQ ${all.pq.toFixed(3)} after ${STEPS} steps in ${seconds.toFixed(1)} s (loss ${losses[0].toFixed(2)} -> ${losses.at(-1)!.toFixed(2)})`);
  for (const t of targets) [t.labels, t.masks].forEach((m) => m.dispose());
  x.dispose();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
