// DropPath as the transformer backbones use it (timm's drop_path): whole samples are dropped with
// probability p, the kept ones scaled by 1/(1-p); the identity in eval mode or at p = 0; the gradient
// is the same per-sample mask.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { DropPath, dropPath } from "../src/models/blocks/drop-path.js";

torch.setNumThreads(1);

test("dropPath keeps about 1-p of the samples, each whole and scaled by 1/(1-p)", () => torch.tidy(() => {
  torch.manualSeed(11);
  const x = torch.ones([2000, 3, 4]);
  const perSample = dropPath(x, 0.25, true).flatten(1);
  const sums = perSample.sum([1]).toArray();
  const keptSamples = sums.filter((s) => s !== 0).length;
  // 2000 Bernoulli(0.75) draws: sd ≈ 0.0097 of the fraction, so 0.04 is four sigma.
  assert.ok(Math.abs(keptSamples / 2000 - 0.75) < 0.04, `kept fraction ${keptSamples / 2000}`);
  // every element of a kept sample is 1/0.75, every element of a dropped one 0
  const values = perSample.toArray();
  assert.ok(values.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  assert.ok(sums.every((s) => s === 0 || Math.abs(s - 12 / 0.75) < 1e-4));
  // the expectation is preserved
  assert.ok(Math.abs(perSample.mean().item() - 1) < 0.06);
}));

test("DropPath is the identity in eval mode and at p = 0", () => torch.tidy(() => {
  const x = torch.randn([4, 5, 6]);
  const drop = new DropPath(0.5);
  drop.eval();
  assert.equal(drop.forward(x), x);
  const zero = new DropPath(0);
  assert.ok(zero.training);
  assert.equal(zero.forward(x), x);
  assert.equal(dropPath(x, 0.5, false), x);
  assert.equal(dropPath(x, 0, true), x);
}));

test("the gradient of dropPath is the per-sample keep mask scaled by 1/(1-p)", () => torch.tidy(() => {
  torch.manualSeed(5);
  const x = torch.randn([64, 3, 2]).requiresGrad_();
  const y = new DropPath(0.5).forward(x);
  y.sum().backward();
  const grad = x.grad!.flatten(1).toArray();
  const out = y.flatten(1);
  const outRows = out.toArray();
  let kept = 0;
  for (let i = 0; i < 64; i++) {
    const g = grad.slice(i * 6, i * 6 + 6);
    const wasKept = outRows.slice(i * 6, i * 6 + 6).some((v) => v !== 0);
    kept += wasKept ? 1 : 0;
    assert.ok(g.every((v) => v === (wasKept ? 2 : 0)), `sample ${i}: gradient ${g.join(",")}`);
  }
  assert.ok(kept > 0 && kept < 64, "some samples kept, some dropped");
}));

test("DropPath rejects a probability outside [0, 1]", () => {
  assert.throws(() => new DropPath(1.5), /DropPath: p must be in \[0, 1\], got 1.5/);
  assert.throws(() => new DropPath(-0.1), /DropPath: p must be in \[0, 1\]/);
});
