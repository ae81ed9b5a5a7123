import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfusionMatrix, iou, perClass, recall, reduce } from "../src/index.js";

// The README's worked example: K = 4, class 2 predicted once but absent from the ground truth,
// class 3 in neither map.
const gt = Uint8Array.from([0, 0, 0, 1, 1, 1]);
const pred = Uint8Array.from([0, 0, 2, 1, 1, 1]);
const counts = new ConfusionMatrix(4).update(pred, gt).classCounts();

test("per-class IoU and recall under the three conventions", () => {
  assert.deepEqual(Array.from(perClass(iou, counts, { absent: "mmseg" })), [2 / 3, 1, 0, NaN]);
  assert.deepEqual(Array.from(perClass(iou, counts, { absent: "torchmetrics" })), [2 / 3, 1, 0, 0]);
  assert.deepEqual(Array.from(perClass(iou, counts, { absent: "smp" })), [2 / 3, 1, 0, 1]);
  assert.deepEqual(Array.from(perClass(recall, counts, { absent: "mmseg" })), [2 / 3, 1, NaN, NaN]);
  assert.deepEqual(Array.from(perClass(recall, counts, { absent: "torchmetrics" })), [2 / 3, 1, 0, 0]);
  assert.deepEqual(Array.from(perClass(recall, counts, { absent: "smp" })), [2 / 3, 1, 1, 1]);
});

test("macro means: mmseg skips NaN, torchmetrics drops classes seen nowhere, smp counts every class", () => {
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-15, `${a} vs ${b}`);
  near(reduce(iou, counts, "macro", { absent: "mmseg" }), (2 / 3 + 1 + 0) / 3);
  near(reduce(iou, counts, "macro", { absent: "torchmetrics" }), (2 / 3 + 1 + 0) / 3);
  near(reduce(iou, counts, "macro", { absent: "smp" }), (2 / 3 + 1 + 0 + 1) / 4);
  near(reduce(recall, counts, "macro", { absent: "mmseg" }), (2 / 3 + 1) / 2);
  near(reduce(recall, counts, "macro", { absent: "torchmetrics" }), (2 / 3 + 1 + 0) / 3);
  near(reduce(recall, counts, "macro", { absent: "smp" }), (2 / 3 + 1 + 1 + 1) / 4);
});

test("an empty matrix: NaN, 0 or 1", () => {
  const empty = new ConfusionMatrix(2).classCounts();
  assert.ok(Number.isNaN(reduce(iou, empty, "macro")));
  assert.equal(reduce(iou, empty, "macro", { absent: "torchmetrics" }), 0);
  assert.equal(reduce(iou, empty, "micro", { absent: "smp" }), 1);
});
