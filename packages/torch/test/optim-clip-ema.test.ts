// Gradient clipping equals torch.nn.utils.clip_grad_norm_/clip_grad_value_ (golden fixture made by
// test/fixtures/optim_make_golden.py, float64); the weight EMA equals its formula computed in JS.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { optim } from "../src/index.js";
import { assertClose, fixture } from "./helpers.js";

const golden = torch.loadSafetensors(fixture("optim_clip.safetensors")).tensors;
const g = (name: string): torch.Tensor => {
  const t = golden.get(name);
  assert.ok(t, `fixture has ${name}`);
  return t;
};

/** Parameters whose gradients are the fixture's unclipped gradients. */
function withGrads(): torch.Tensor[] {
  return [0, 1, 2].map((i) => {
    const p = torch.zerosLike(g(`grad${i}`));
    p.requiresGrad = true;
    torch.tidy(() => { p.grad = g(`grad${i}`).clone(); });
    return p;
  });
}

for (const [label, normType, maxNorm] of [["norm2", 2, 1.5], ["norm1", 1, 2], ["norminf", Infinity, 0.7], ["norm2_unclipped", 2, 1e3]] as const) {
  test(`clipGradNorm ${label}: total norm and clipped gradients equal PyTorch's`, () => {
    const start = torch.liveTensors();
    const params = withGrads();
    const total = optim.clipGradNorm(params, maxNorm, { normType });
    const expected = g(`${label}.total`).item();
    assert.ok(Math.abs(total - expected) <= 1e-12 * expected, `${label}: total norm ${total}, PyTorch ${expected}`);
    params.forEach((p, i) => assertClose(p.grad!, g(`${label}.grad${i}`), { rtol: 1e-12, atol: 0 }, `${label} grad${i}`));
    params.forEach((p) => p.dispose());
    assert.equal(torch.liveTensors(), start);
  });
}

test("clipGradValue clamps like PyTorch; clipping skips parameters without gradients", () => {
  const params = withGrads();
  const bare = torch.zeros([2]);
  optim.clipGradValue([...params, bare], 0.8);
  params.forEach((p, i) => assertClose(p.grad!, g(`value.grad${i}`), { rtol: 0, atol: 0 }, `value grad${i}`));
  assert.equal(optim.clipGradNorm([bare], 1), 0);
  [...params, bare].forEach((p) => p.dispose());
});

test("clipGradNorm: errorIfNonfinite, bad arguments", () => {
  const p = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  p.grad = torch.tensor([Infinity, 1], { dtype: "float64" });
  assert.throws(() => optim.clipGradNorm([p], 1, { errorIfNonfinite: true }), /clipGradNorm: the total norm of order 2 of the gradients is Infinity/);
  assert.throws(() => optim.clipGradNorm([p], -1), /clipGradNorm: maxNorm must be a number >= 0, got -1/);
  assert.throws(() => optim.clipGradNorm([p], 1, { normType: 0 }), /clipGradNorm: normType must be a positive number or Infinity, got 0/);
  assert.throws(() => optim.clipGradNorm([p, 3 as never], 1), /clipGradNorm: params\[1\] is not a Tensor/);
  assert.throws(() => optim.clipGradValue([p], NaN), /clipGradValue: clipValue must be a number >= 0, got NaN/);
  p.dispose();
});

/** avg ← d·avg + (1 − d)·w, elementwise in float64 JS numbers. */
const fold = (avg: number[], w: number[], d: number) => avg.map((a, i) => d * a + (1 - d) * w[i]);

test("EMA equals the formula, with and without warmup; counters are copied; copyTo/restore round-trips", () => {
  const start = torch.liveTensors();
  for (const warmup of [false, true]) {
    const weight = torch.tensor([1, -2, 3], { dtype: "float64" });
    const count = torch.tensor([0]);
    const named = new Map([["layer.weight", weight], ["bn.num_batches_tracked", count]]);
    const ema = new optim.ExponentialMovingAverage(() => named, { decay: 0.9, warmup });
    let expected = weight.toArray();
    for (let n = 0; n < 12; n++) {
      torch.tidy(() => {
        weight.add_(torch.tensor([0.5, n, -n], { dtype: "float64" }));
        count.add_(1);
      });
      const d = warmup ? Math.min(0.9, (1 + n) / (10 + n)) : 0.9;
      assert.equal(ema.currentDecay(), d);
      ema.update();
      expected = fold(expected, weight.toArray(), d);
    }
    const avg = ema.averaged.get("layer.weight")!.toArray();
    avg.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-12 * Math.abs(expected[i]), `warmup ${warmup}: element ${i} is ${v}, formula ${expected[i]}`));
    assert.deepEqual(ema.averaged.get("bn.num_batches_tracked")!.toArray(), [12]);

    const live = weight.toArray();
    ema.copyTo();
    assert.deepEqual(weight.toArray(), avg);
    assert.throws(() => ema.copyTo(), /already applied; call restore\(\) first/);
    ema.restore();
    assert.deepEqual(weight.toArray(), live);
    assert.throws(() => ema.restore(), /nothing to restore; call copyTo\(\) first/);
    ema.dispose();
    weight.dispose();
    count.dispose();
  }
  assert.equal(torch.liveTensors(), start);
});

test("EMA state dict resumes the average; bad options and sources are errors naming them", () => {
  const w = torch.tensor([1, 2], { dtype: "float64" });
  const a = new optim.ExponentialMovingAverage(new Map([["w", w]]), { decay: 0.5, warmup: true });
  torch.noGrad(() => w.mul_(3));
  a.update();
  const b = new optim.ExponentialMovingAverage(new Map([["w", w]]), { decay: 0.5, warmup: true });
  b.loadStateDict(a.stateDict());
  torch.noGrad(() => w.add_(1));
  a.update();
  b.update();
  assert.deepEqual(b.averaged.get("w")!.toArray(), a.averaged.get("w")!.toArray());
  assert.equal(b.updates, 2);

  assert.throws(() => b.loadStateDict({ averaged: new Map(), updates: 0 }), /ExponentialMovingAverage.loadStateDict: missing 'w'/);
  assert.throws(() => new optim.ExponentialMovingAverage(new Map([["w", w]]), { decay: 1.5 }), /ExponentialMovingAverage: decay must be in \[0, 1\], got 1.5/);
  assert.throws(() => new optim.ExponentialMovingAverage(new Map([["w", w]]), { decya: 0.9 } as never), /ExponentialMovingAverage: unknown option 'decya'/);
  assert.throws(() => new optim.ExponentialMovingAverage([w] as never), /the source must be a Map<string, Tensor>/);
  const c = new optim.ExponentialMovingAverage(() => new Map(), {});
  c.dispose();
  const shrinking = new Map([["w", w]]);
  const d = new optim.ExponentialMovingAverage(shrinking);
  shrinking.delete("w");
  assert.throws(() => d.update(), /ExponentialMovingAverage.update: the source no longer has 'w'/);
  for (const x of [a, b, d]) x.dispose();
  w.dispose();
});
