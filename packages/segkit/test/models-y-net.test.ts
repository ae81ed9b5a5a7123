// Y-Net (Mehta et al. 2018). No runnable reference exists, so the tests check the structure the
// paper states (Fig. 2: the segmentation encoder–decoder and a classification branch on the encoder's
// output, trained on the sum of both losses), the classification loss against a hand computation of
// its target, the training proof and ONNX export. The paper's parameter counts are for its residual
// and ESP encoders, which this U-Net form does not reproduce: no count is checked against it; the
// branch's own parameters are.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { YNet } from "../src/models/segmentors/y-net/model.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-y-net-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const WIDTHS = [4, 8, 16, 32];

test("y_net: the encoder's maps halve per level, the segmentation logits have the input size, the class logits one entry per class", () => {
  torch.manualSeed(0);
  const model = build<YNet>("model", { type: "y_net", numClasses: 5, widths: WIDTHS }).eval();
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([2, 3, 32, 48]);
    assert.deepEqual(model.encode(x).map((m) => m.shape), WIDTHS.map((w, i) => [2, w, 32 >> i, 48 >> i]));
    const [logits, classLogits] = model.outputs(x);
    assert.deepEqual(logits.shape, [2, 5, 32, 48]);
    assert.deepEqual(classLogits.shape, [2, 5]);
    assert.ok(logits.sub(model.forward(x)).abs().max().item() === 0, "forward gives the segmentation logits");
  }));
  model.dispose();
});

test("y_net has U-Net's parameters plus the branch's: a 3×3 conv-BN on the bottleneck and a linear classifier", () => {
  const w = WIDTHS.at(-1)!;
  const classes = 5;
  const branch = 9 * w * w + 2 * w + w * classes + classes;
  assert.equal(countParameters({ type: "y_net", numClasses: classes, widths: WIDTHS }) - countParameters({ type: "unet", numClasses: classes, widths: WIDTHS }), branch);
});

test("y_net's loss parts: the segmentation loss and the image-level loss against the classes each image holds", () => {
  torch.manualSeed(0);
  const model = build<YNet>("model", { type: "y_net", numClasses: 4, widths: WIDTHS, classLossWeight: 0.5 });
  torch.tidy(() => {
    const x = torch.randn([2, 3, 16, 16]);
    // Image 0 holds classes 0 and 2 (and ignored pixels), image 1 only class 3.
    const labels = Array.from({ length: 256 }, (_, i) => (i < 100 ? 0 : i < 200 ? 2 : 255));
    const target = torch.tensor([...labels, ...new Array<number>(256).fill(3)], { dtype: "int64" }).reshape([2, 16, 16]);
    const { parts } = model.forwardTrain(x, target);
    assert.deepEqual(Object.keys(parts), ["decode.loss", "cls.loss"]);
    const [, classLogits] = model.outputs(x);
    const z = classLogits.toTypedArray() as Float32Array;
    const present = [1, 0, 1, 0, 0, 0, 0, 1];
    // Binary cross-entropy with logits, averaged over images and classes, by hand.
    const bce = present.reduce((sum, t, i) => sum + Math.max(z[i], 0) - z[i] * t + Math.log1p(Math.exp(-Math.abs(z[i]))), 0) / present.length;
    assert.ok(Math.abs(parts["cls.loss"].item() - 0.5 * bce) < 1e-6, `${parts["cls.loss"].item()} vs ${0.5 * bce}`);
  });
  model.dispose();
});

test("y_net (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "y_net", widths: [8, 16, 32] }, { steps: 100, lr: 0.01, size: [32, 32] }));

test("y_net (reduced) exports to ONNX (its segmentation output) and onnxruntime reproduces the eval output", async () => {
  torch.manualSeed(0);
  const model = build<YNet>("model", { type: "y_net", numClasses: 3, widths: WIDTHS });
  const difference = await onnxRelativeDifference(model, "y_net", [32, 48], tmp);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  model.dispose();
});

test("y_net refuses a negative classLossWeight, naming it", () => {
  assert.throws(() => build("model", { type: "y_net", numClasses: 3, widths: WIDTHS, classLossWeight: -1 }), /YNet: classLossWeight must be a finite number ≥ 0, got -1/);
});
