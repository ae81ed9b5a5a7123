// Self-correction (SCHP) against the authors' released code (test/fixtures/schp_make_golden.py: its
// soft-target KL loss and gradient, its cyclical learning rates), and its parts: the cross-entropy
// terms use the soft target while other losses keep the hard labels, ignored pixels stay out, the
// weights average from the first cycle boundary on with BatchNorm re-estimated over the whole
// training set, and its config checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { nn, optim, type Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import "../src/data/index.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";
import { segmentationLoss } from "../src/models/heads/segmentation-loss.js";
import { withSoftTarget } from "../src/losses/soft-target.js";
import { runConfig } from "../src/engine/run-config.js";
import { SelfCorrection, softTarget } from "../src/engine/hooks/self-correction-hook.js";
import type { TrainBatch, TrainRun } from "../src/engine/hooks/hook.js";

const golden = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/schp_golden.safetensors", import.meta.url))).tensors;
const g = (name: string): Tensor => golden.get(name)!;

/** The loss and d loss / d logits of `loss` with `soft` in scope. */
function lossAndGradient(loss: (logits: Tensor, target: Tensor) => Tensor, logits: Tensor, labels: Tensor, soft: Tensor | null): [number, Tensor] {
  const x = logits.detach().clone().requiresGrad_(true);
  const value = withSoftTarget(soft, () => loss(x, labels));
  value.backward();
  const out: [number, Tensor] = [value.item(), x.grad!.clone()];
  value.dispose();
  x.dispose();
  return out;
}

test("the cross-entropy terms become the released code's KL to its soft target (loss and gradient)", () => {
  const losses = { "model default": segmentationLoss(undefined, 255, "model"), "cross_entropy": build<(l: Tensor, t: Tensor) => Tensor>("loss", { type: "cross_entropy" }) };
  for (const n of [1, 2]) {
    const soft = softTarget(g("averaged"), g("labels"), n, 255);
    for (const [name, loss] of Object.entries(losses)) {
      const [value, grad] = lossAndGradient(loss, g("logits"), g("labels"), soft);
      const expected = g(`loss_${n}`).item();
      assert.ok(Math.abs(value - expected) < 1e-6 * Math.max(1, expected), `${name}, cycle ${n}: ${value} vs ${expected}`);
      assert.ok(torch.allclose(grad, g(`grad_${n}`), 1e-4, 1e-7), `${name}, cycle ${n}: gradient`);
      grad.dispose();
    }
    soft.dispose();
  }
  const [hard] = lossAndGradient(losses["model default"], g("logits"), g("labels"), null);
  const expectedHard = torch.tidy(() => torch.crossEntropyLoss(g("logits"), g("labels")).item());
  assert.ok(Math.abs(hard - expectedHard) < 1e-6, "outside the scope it is cross-entropy again");
});

test("ignored pixels stay out of the soft loss, and Lovász keeps the hard labels", () => {
  const labels = g("labels").clone();
  labels.slice(2, 0, 2).fill_(255);
  const soft = softTarget(g("averaged"), labels, 1, 255);
  const ce = build<(l: Tensor, t: Tensor) => Tensor>("loss", { type: "cross_entropy" });
  const [, grad] = lossAndGradient(ce, g("logits"), labels, soft);
  const ignoredGrad = torch.tidy(() => grad.slice(3, 0, 2).abs().max().item());
  assert.equal(ignoredGrad, 0, "no gradient at ignored pixels");
  const shifted = torch.tidy(() => {
    const logits = g("logits").clone();
    logits.slice(3, 0, 2).fill_(9);
    return logits;
  });
  const [a] = lossAndGradient(ce, g("logits"), labels, soft);
  const [b] = lossAndGradient(ce, shifted, labels, soft);
  assert.ok(Math.abs(a - b) < 1e-7, `logits at ignored pixels do not matter: ${a} vs ${b}`);
  const lovasz = build<(l: Tensor, t: Tensor) => Tensor>("loss", { type: "lovasz_softmax" });
  const [inside] = lossAndGradient(lovasz, g("logits"), labels, soft);
  const [outside] = lossAndGradient(lovasz, g("logits"), labels, null);
  assert.equal(inside, outside, "Lovász ignores the soft target");
  for (const t of [labels, soft, grad, shifted]) t.dispose();
});

const MODEL = { type: "unet", numClasses: 5, widths: [4, 8] };
const DATA = { dataset: { type: "synthetic", length: 8, size: [32, 32], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2, workers: 0 };
/** The parts of a run the self-correction hook reads. */
const runOf = (model: Segmentor, iteration: number, iters = 6) =>
  ({ model, iteration, config: runConfig({ model: MODEL, data: { train: DATA, val: DATA }, train: { iters } } as never) }) as unknown as TrainRun;

test("the cycles follow the released code's SGDR schedule with its default cycle lr and eta_min", () => {
  const sc = new SelfCorrection(runConfig({ model: MODEL, data: { train: DATA, val: DATA }, train: { iters: 40, selfCorrection: { cycles: 3, cycleIters: 10 } } } as never).train.selfCorrection!);
  const schedule = sc.schedule((maxIters) => optim.poly({ maxIters, power: 1 }), 40);
  assert.equal(sc.start, 10);
  assert.ok(Math.abs(schedule.lr(5, 1) - 0.5) < 1e-12, "the configured schedule runs first, over the first 10 iterations");
  const expected = g("cyclical_lr_10_to_39").toArray() as number[];
  expected.forEach((lr, i) => assert.ok(Math.abs(schedule.lr(10 + i, 1) - lr) < 1e-12, `iteration ${10 + i}: ${schedule.lr(10 + i, 1)} vs ${lr}`));
  void sc.dispose();
});

test("weights average from the first cycle boundary, BatchNorm is re-estimated over the training set, the last average becomes the model", async () => {
  torch.manualSeed(1);
  const sc = new SelfCorrection({ cycles: 2, cycleIters: 2, lrRatio: 0.5, etaMinRatio: 0.01, bnBatches: null });
  sc.schedule(() => optim.constant(), 6);
  const model = build<Segmentor>("model", MODEL);
  sc.beforeRun(runOf(model, 0));
  const snapshot = () => new Map([...model.namedParameters()].map(([k, p]) => [k, p.detach().clone()]));
  const shift = () => torch.noGrad(() => model.parameters().forEach((p) => p.add_(1)));
  const images = torch.randn([2, 3, 32, 32]);
  const labels = torch.zeros([2, 32, 32], { dtype: "int64" });
  const softOf = () => {
    const batch: TrainBatch = { images, labels, soft: null, panoptic: null };
    sc.beforeTrainIter(runOf(model, 0), batch);
    assert.equal(batch.labels, labels, "the labels stay hard");
    return batch.soft;
  };
  const state = () => {
    const ck = { tensors: {}, state: {} } as { tensors: Record<string, Map<string, Tensor>>; state: { hooks?: Record<string, { averagings: number }> } };
    sc.beforeSaveCheckpoint(runOf(model, 0), ck as never);
    return { tensors: ck.tensors["self_correction"], averagings: ck.state.hooks!["self_correction"].averagings };
  };
  assert.equal(softOf(), null, "no soft target before the first boundary");

  await sc.afterTrainIter(runOf(model, 1));
  assert.equal(state().averagings, 0, "iteration 1 is before the first boundary");
  await sc.afterTrainIter(runOf(model, 2));
  assert.equal(state().averagings, 1, "the first boundary is the end of the configured schedule");
  const first = snapshot();
  for (const [k, p] of first) assert.ok(torch.equal(state().tensors.get(k)!, p), `${k} after the first boundary is the model's`);
  const norms = [...state().tensors].filter(([k]) => k.endsWith("num_batches_tracked"));
  assert.ok(norms.length > 0);
  for (const [k, n] of norms) assert.equal(n.item(), 4, `${k}: the statistics are re-estimated over all 4 training batches`);
  const soft = softOf()!;
  assert.deepEqual(soft.shape, [2, 5, 32, 32]);
  soft.dispose();

  shift();
  const second = snapshot();
  await sc.afterTrainIter(runOf(model, 4));
  shift();
  const third = snapshot();
  await sc.afterTrainIter(runOf(model, 6));
  assert.equal(state().averagings, 3, "cycles + 1 boundaries");
  for (const [k, p] of model.namedParameters()) {
    const mean = first.get(k)!.add(second.get(k)!).add(third.get(k)!).div(3);
    assert.ok(torch.allclose(p, mean, 1e-5, 1e-6), `${k} is the mean of the three boundaries' weights`);
    mean.dispose();
  }
  const bn = model.modules().find((m): m is nn.BatchNorm2d => m instanceof nn.BatchNorm2d)!;
  assert.equal(bn.momentum, 0.1, "the BatchNorm momentum is restored after re-estimation");
  for (const t of [...first.values(), ...second.values(), ...third.values(), images, labels]) t.dispose();
  model.dispose();
  await sc.dispose();
});

test("self-correction config: official defaults, errors name the key", () => {
  const base = { model: MODEL, data: { train: DATA, val: DATA } };
  const withSc = (selfCorrection: unknown) => runConfig({ ...base, train: { iters: 10, selfCorrection } } as never);
  assert.throws(() => withSc({ cycles: 2, cycleIter: 3 }), /config\.train\.selfCorrection: unknown key "cycleIter" \(did you mean "cycleIters"\?\)/);
  assert.throws(() => withSc({ cycles: 0, cycleIters: 3 }), /config\.train\.selfCorrection\.cycles must be a positive integer/);
  assert.throws(() => withSc({ cycles: 2, cycleIters: 3, lrRatio: -1 }), /config\.train\.selfCorrection\.lrRatio must be positive/);
  assert.throws(() => withSc({ cycles: 2, cycleIters: 3, etaMinRatio: 0.9 }), /config\.train\.selfCorrection\.etaMinRatio must be in \[0, lrRatio\]/);
  assert.throws(() => withSc({ cycles: 2, cycleIters: 3, bnBatches: 0 }), /config\.train\.selfCorrection\.bnBatches must be a positive integer or null/);
  assert.deepEqual(withSc({ cycles: 2, cycleIters: 3 }).train.selfCorrection, { cycles: 2, cycleIters: 3, lrRatio: 0.5, etaMinRatio: 0.01, bnBatches: null });
  const config = withSc({ cycles: 4, cycleIters: 3 }).train.selfCorrection!;
  assert.throws(() => new SelfCorrection(config).schedule(() => optim.constant(), 12), /4 cycles of 3 iterations need more than the 12 training iterations/);
});
