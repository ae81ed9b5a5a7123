// Bad input and bad configs give errors naming the loss, the argument or the key; repeated loss
// forward/backward inside tidy() leaves no tensor behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "@segkit/torch";
import { build, registered } from "../src/config/registry.js";
import "../src/losses/index.js";
import type { Loss } from "../src/losses/index.js";

const loss = (config: { type: string; [key: string]: unknown }): Loss => build<Loss>("loss", config);
const logits = (): torch.Tensor => torch.randn([2, 3, 4, 5]);
const labels = (): torch.Tensor => torch.randint(0, 3, [2, 4, 5]);

test("unknown loss names are errors naming them and suggesting the closest", () => {
  assert.throws(() => loss({ type: "dicee" }), /unknown loss "dicee".*did you mean "dice"/i);
});

test("unknown options are errors naming the key and the loss", () => {
  assert.throws(() => loss({ type: "focal", gama: 2 }), /loss "focal".*unknown key "gama".*gamma/);
  assert.throws(() => loss({ type: "compound", losses: [{ type: "dice", smoth: 1 }] }), /losses\[0\].*unknown key "smoth"/);
});

test("option values are checked by name", () => {
  assert.throws(() => loss({ type: "dice", smooth: "1" }), /loss "dice": option "smooth" must be a finite number/);
  assert.throws(() => loss({ type: "dice", reduction: "avg" }), /option "reduction" must be one of mean, sum, none/);
  assert.throws(() => loss({ type: "cross-entropy", labelSmoothing: 2 }), /"labelSmoothing" must be in \[0, 1\]/);
  assert.throws(() => loss({ type: "topk-cross-entropy", k: 0 }), /"k" is a percentage/);
  assert.throws(() => loss({ type: "ohem_cross_entropy", thresh: 1.5 }), /loss "ohem_cross_entropy": "thresh" is a probability in \[0, 1\], got 1.5/);
  assert.throws(() => loss({ type: "ohem_cross_entropy", minKept: 2.5 }), /"minKept" must be a positive integer, got 2.5/);
  assert.throws(() => loss({ type: "ohem_cross_entropy", minKept: 0 }), /"minKept" must be a positive integer, got 0/);
  assert.throws(() => loss({ type: "ohem_cross_entropy", avgNonIgnore: "yes" }), /option "avgNonIgnore" must be true or false/);
  assert.throws(() => loss({ type: "ohem_cross_entropy", labelSmoothing: 0.1 }), /unknown key "labelSmoothing"/);
  assert.throws(() => loss({ type: "focal", alpha: 0.5 }), /multiclass focal loss takes per-class "classWeights"/);
  assert.throws(() => loss({ type: "compound", losses: [] }), /"losses" must be a non-empty array/);
  assert.throws(() => loss({ type: "compound", losses: [{ type: "dice" }], weights: [1, 2] }), /"weights" has 2 entries for 1 terms/);
  assert.throws(() => torch.tidy(() => loss({ type: "cross-entropy", classWeights: [1, 2] })(logits(), labels())), /"classWeights" has 2 entries but the logits have 3 classes/);
  assert.throws(() => torch.tidy(() => loss({ type: "lovasz-softmax", classes: [5] })(logits(), labels())), /"classes" lists \[5\]/);
  assert.throws(() => torch.tidy(() => loss({ type: "boundary", classes: [0, 3] })(logits(), labels())), /loss "boundary": "classes" lists \[0,3\]/);
});

test("wrong shapes and dtypes name the argument", () => {
  torch.tidy(() => {
    assert.throws(() => loss({ type: "dice" })(torch.randn([2, 3, 4]), labels()), /loss "dice": logits must be a float \(N,C,H,W\) tensor, got float32 \[2,3,4\]/);
    assert.throws(() => loss({ type: "dice" })(logits(), labels().to("float32")), /target must be an int64 \(N,H,W\) = \[2,4,5\] tensor of labels, got float32/);
    assert.throws(() => loss({ type: "focal" })(logits(), torch.randint(0, 3, [2, 4, 6])), /target must be an int64 \(N,H,W\) = \[2,4,5\]/);
    assert.throws(() => loss({ type: "ms_ssim" })(logits(), labels()), /loss "ms_ssim": 5 scales need images of at least 16×16, got 4×5/);
    assert.throws(() => loss({ type: "dice", mode: "binary" })(logits(), torch.rand([2, 1, 4, 5])), /binary mode needs logits with 1 channel/);
    assert.throws(() => loss({ type: "binary-cross-entropy", mode: "multilabel" })(logits(), torch.rand([2, 1, 4, 5])), /multilabel target must be a float \[2,3,4,5\]/);
  });
});

test("out-of-range labels name the label; the ignore index is allowed", () => {
  torch.tidy(() => {
    const target = labels();
    const bad = target.clone();
    bad.narrow(1, 0, 1).fill_(7);
    assert.throws(() => loss({ type: "cross_entropy" })(logits(), bad), /loss "cross_entropy": target has label 7 outside 0\.\.2 \(ignoreIndex is 255\)/);
    assert.throws(() => loss({ type: "lovasz-softmax" })(logits(), target.clone().fill_(-1)), /target has label -1 outside 0\.\.2/);
    assert.throws(() => loss({ type: "topk_cross_entropy" })(logits(), target.clone().fill_(-1)), /loss "topk_cross_entropy": target has label -1 outside 0\.\.2/);
    assert.throws(() => loss({ type: "focal" })(logits(), bad), /loss "focal": target has label 7 outside 0\.\.2/);
    assert.throws(() => loss({ type: "dice" })(logits(), bad), /loss "dice": target has label 7 outside 0\.\.2/);
    assert.throws(() => loss({ type: "boundary" })(logits(), bad), /loss "boundary": target has label 7 outside 0\.\.2/);
    const ignored = target.clone();
    ignored.narrow(1, 0, 1).fill_(255);
    assert.ok(Number.isFinite(loss({ type: "dice" })(logits(), ignored).item()));
  });
});

test("every registered loss can be built by name", () => {
  const names = registered("loss");
  for (const name of ["cross_entropy", "dice", "focal", "lovasz_softmax", "lovasz_hinge", "compound", "deep_supervision"]) {
    assert.ok(names.includes(name), `${name} is registered`);
  }
});

test("deep supervision resizes logits up to the target", () => {
  torch.tidy(() => {
    const target = labels();
    const small = torch.randn([2, 3, 2, 3]);
    const deep = build<(o: torch.Tensor[], t: torch.Tensor) => torch.Tensor>("loss", { type: "deep-supervision", loss: { type: "cross-entropy" }, weights: [1, 0.5] });
    const main = logits();
    const expected = torch
      .crossEntropyLoss(main, target, { ignoreIndex: 255 })
      .add(torch.crossEntropyLoss(torch.upsampleBilinear2d(small, [4, 5], false), target, { ignoreIndex: 255 }).mul(0.5));
    assert.ok(Math.abs(deep([main, small], target).item() - expected.item()) < 1e-6);
    assert.throws(() => deep([main], target), /"weights" has 2 entries for 1 outputs/);
  });
});

test("repeated forward/backward inside tidy leaves the live tensor count where it started", () => {
  const x = logits();
  const target = labels();
  x.requiresGrad = true;
  const losses = ["cross-entropy", "dice", "focal", "lovasz-softmax", "ohem-cross-entropy", "generalized-dice", "mcc", "boundary", "hausdorff-dt", "distance-penalized-cross-entropy"].map((type) => loss({ type }));
  const before = torch.liveTensors();
  for (let i = 0; i < 5; i++) {
    for (const l of losses) {
      torch.tidy(() => l(x, target).backward());
      x.grad = null;
    }
  }
  assert.equal(torch.liveTensors(), before);
  x.dispose();
  target.dispose();
});
