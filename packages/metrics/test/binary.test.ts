import assert from "node:assert/strict";
import { test } from "node:test";
import { binaryCounts, binaryScore, dice, iou, softDice, softIoU } from "../src/index.js";

test("surveys' binary example: Dice 0.5714 and IoU 0.4", () => {
  const target = [1, 0, 0, 0, 1, 1, 0, 0, 1];
  const output = [1, 0, 1, 0, 1, 0, 0, 0, 0];
  const c = binaryCounts(output, target);
  assert.deepEqual(c, { tp: 2, fp: 1, fn: 2, tn: 4 });
  assert.equal(binaryScore(dice, c).toFixed(4), "0.5714");
  assert.equal(binaryScore(iou, c).toFixed(4), "0.4000");
});

test("probability maps are thresholded; ignored target pixels are dropped", () => {
  const prob = Float32Array.from([0.9, 0.4, 0.6, 0.2, 0.7]);
  const target = Uint8Array.from([1, 1, 0, 0, 255]);
  assert.deepEqual(binaryCounts(prob, target, { ignoreIndex: 255 }), { tp: 1, fp: 1, fn: 1, tn: 1 });
  assert.deepEqual(binaryCounts(prob, target, { ignoreIndex: 255, threshold: 0.3 }), { tp: 2, fp: 1, fn: 0, tn: 1 });
});

test("soft Dice and IoU on probabilities", () => {
  const prob = [0.5, 1, 0];
  const target = [1, 1, 0];
  // Σpt = 1.5, Σp = 1.5, Σt = 2
  assert.equal(softDice(prob, target), 3 / 3.5);
  assert.equal(softIoU(prob, target), 1.5 / 2);
  assert.ok(Number.isNaN(softDice([0, 0], [0, 0])));
  assert.equal(softDice([0, 0], [0, 0], { smooth: 1 }), 1);
});

test("length mismatch names both lengths", () => {
  assert.throws(() => binaryCounts([1, 0], [1]), /prediction has 2 pixels but target has 1/);
});
