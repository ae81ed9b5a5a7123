// Self-correction's parts: labels sampled from the SCHP mixture, the cyclic schedule, weight
// averaging across cycles with BatchNorm re-estimation, and its config checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "@segkit/torch";
import { nn, optim } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import "../src/data/index.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";
import { runConfig } from "../src/engine/run-config.js";
import { SelfCorrection, sampleRefinedLabels } from "../src/engine/hooks/self-correction-hook.js";
import type { TrainBatch, TrainRun } from "../src/engine/hooks/hook.js";

test("refined labels follow (one-hot + m·p) / (m + 1) and keep ignored pixels", () => {
  torch.manualSeed(0);
  const w = 40000;
  const labels = torch.zeros([1, 1, w], { dtype: "int64" });
  labels.slice(2, 0, 100).fill_(255);
  const probs = torch.tensor([0.1, 0.3, 0.6]).view([1, 3, 1, 1]).expand([1, 3, 1, w]).contiguous();
  const refined = sampleRefinedLabels(labels, probs, 2, 255);
  const values = refined.toArray().flat(2) as number[];
  assert.ok(values.slice(0, 100).every((v) => v === 255), "ignored pixels stay ignored");
  const counted = values.slice(100);
  const share = (c: number) => counted.filter((v) => v === c).length / counted.length;
  // Label 0 with m = 2: (1 + 2·0.1)/3 = 0.4, 2·0.3/3 = 0.2, 2·0.6/3 = 0.4; ±0.015 is over 4 standard errors.
  for (const [c, expected] of [[0, 0.4], [1, 0.2], [2, 0.4]]) assert.ok(Math.abs(share(c) - expected) < 0.015, `class ${c}: ${share(c)} vs ${expected}`);
  for (const t of [labels, probs, refined]) t.dispose();
});

const MODEL = { type: "unet", numClasses: 5, widths: [4, 8] };
const DATA = { dataset: { type: "synthetic", length: 8, size: [32, 32], seed: 1 }, pipeline: [{ type: "Normalize" }], batchSize: 2, workers: 0 };
/** The parts of a run the self-correction hook reads. */
const runOf = (model: Segmentor, iteration: number) => ({ model, iteration, config: runConfig({ model: MODEL, data: { train: DATA, val: DATA } } as never) }) as unknown as TrainRun;

test("the schedule runs the main one, then cosine cycles restarting at lrRatio × base", () => {
  const sc = new SelfCorrection({ cycles: 2, cycleIters: 10, lrRatio: 0.5, bnBatches: 1 });
  const schedule = sc.schedule((maxIters) => optim.poly({ maxIters, power: 1 }), 30);
  assert.equal(sc.start, 10);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  near(schedule.lr(5, 1), 0.5);
  near(schedule.lr(10, 1), 0.5);
  near(schedule.lr(15, 1), 0.25);
  near(schedule.lr(20, 1), 0.5);
  near(schedule.lr(25, 1), 0.25);
  void sc.dispose();
});

test("cycle ends average the weights, re-estimate BatchNorm, and the last one hands the average to the model", async () => {
  torch.manualSeed(1);
  const sc = new SelfCorrection({ cycles: 2, cycleIters: 2, lrRatio: 0.1, bnBatches: 3 });
  sc.schedule(() => optim.constant(), 6);
  const model = build<Segmentor>("model", MODEL);
  sc.beforeRun(runOf(model, 0));
  const refine = (images: torch.Tensor, labels: torch.Tensor) => {
    const batch: TrainBatch = { images, labels, soft: null };
    sc.beforeTrainIter(runOf(model, 0), batch);
    return batch.labels;
  };
  const state = () => {
    const ck = { tensors: {}, state: {} } as { tensors: Record<string, Map<string, torch.Tensor>>; state: { hooks?: Record<string, { cyclesDone: number }> } };
    sc.beforeSaveCheckpoint(runOf(model, 0), ck as never);
    return { tensors: ck.tensors["self-correction"], cyclesDone: ck.state.hooks!["self-correction"].cyclesDone };
  };
  const snapshot = () => new Map([...model.namedParameters()].map(([k, p]) => [k, p.detach().clone()]));
  const images = torch.randn([2, 3, 32, 32]);
  const labels = torch.zeros([2, 32, 32], { dtype: "int64" });
  assert.equal(refine(images, labels), labels, "no refinement before the first cycle ends");

  await sc.afterTrainIter(runOf(model, 3));
  assert.equal(state().cyclesDone, 0, "iteration 3 is inside the first cycle");
  await sc.afterTrainIter(runOf(model, 4));
  const first = snapshot();
  const { tensors } = state();
  for (const [k, p] of first) assert.ok(torch.equal(tensors!.get(k)!, p), `${k} after one cycle is the model's`);
  const norms = [...state().tensors!].filter(([k]) => k.endsWith("num_batches_tracked"));
  assert.ok(norms.length > 0);
  for (const [k, n] of norms) assert.equal(n.item(), 3, `${k}: the statistics are re-estimated over bnBatches batches`);
  const refined = refine(images, labels);
  assert.notEqual(refined, labels);
  refined.dispose();

  torch.noGrad(() => model.parameters().forEach((p) => p.add_(1)));
  const second = snapshot();
  await sc.afterTrainIter(runOf(model, 6));
  for (const [k, p] of model.namedParameters()) {
    const mean = first.get(k)!.add(second.get(k)!).div(2);
    assert.ok(torch.allclose(p, mean, 1e-6, 1e-6), `${k} is the mean of the two cycle ends`);
    mean.dispose();
  }
  const bn = model.modules().find((m): m is nn.BatchNorm2d => m instanceof nn.BatchNorm2d)!;
  assert.equal(bn.momentum, 0.1, "the BatchNorm momentum is restored after re-estimation");
  for (const t of [...first.values(), ...second.values(), images, labels]) t.dispose();
  model.dispose();
  await sc.dispose();
});

test("self-correction config errors name the key", () => {
  const base = { model: MODEL, data: { train: DATA, val: DATA } };
  const withSc = (selfCorrection: unknown) => runConfig({ ...base, train: { iters: 10, selfCorrection } } as never);
  assert.throws(() => withSc({ cycles: 2, cycleIter: 3 }), /config\.train\.selfCorrection: unknown key "cycleIter" \(did you mean "cycleIters"\?\)/);
  assert.throws(() => withSc({ cycles: 0, cycleIters: 3 }), /config\.train\.selfCorrection\.cycles must be a positive integer/);
  assert.throws(() => withSc({ cycles: 2, cycleIters: 3, lrRatio: -1 }), /config\.train\.selfCorrection\.lrRatio must be positive/);
  assert.deepEqual(withSc({ cycles: 2, cycleIters: 3 }).train.selfCorrection, { cycles: 2, cycleIters: 3, lrRatio: 0.1, bnBatches: 10 });
  assert.throws(() => new SelfCorrection({ cycles: 4, cycleIters: 3, lrRatio: 0.1, bnBatches: 1 }).schedule(() => optim.constant(), 12), /4 cycles of 3 iterations need more than the 12 training iterations/);
});
