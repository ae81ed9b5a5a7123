import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cohenKappa,
  ConfusionMatrix,
  frequencyWeightedIoU,
  iou,
  normalizeMatrix,
  perClass,
  pixelAccuracy,
  precision,
  recall,
  reduce,
  summarize,
} from "../src/index.js";

const close = (actual: ArrayLike<number>, expected: number[], eps = 1e-12) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= eps, `[${i}] ${actual[i]} vs ${e}`));

// The surveys' second worked example.
const example = ConfusionMatrix.fromCounts([[3, 0, 0], [0, 2, 1], [0, 1, 2]]);

test("surveys' example: CPA (per-class precision) [1, 2/3, 2/3], MPA 0.78, IoU [1, 0.5, 0.5]", () => {
  const c = example.classCounts();
  close(perClass(precision, c), [1, 2 / 3, 2 / 3]);
  assert.equal(reduce(precision, c, "macro").toFixed(2), "0.78");
  assert.equal(reduce(recall, c, "macro").toFixed(2), "0.78");
  close(perClass(iou, c), [1, 0.5, 0.5]);
});

test("precision is column-normalised and recall row-normalised", () => {
  // gt 0: 4 pixels, 3 right, 1 predicted as 1; gt 1: 2 pixels, both right.
  const c = ConfusionMatrix.fromCounts([[3, 1], [0, 2]]).classCounts();
  close(perClass(precision, c), [3 / 3, 2 / 3]);
  close(perClass(recall, c), [3 / 4, 2 / 2]);
});

test("pixel accuracy, frequency-weighted IoU and Cohen's kappa from their definitions", () => {
  const counts = example.counts;
  assert.equal(pixelAccuracy(counts, 3), 7 / 9);
  // freq = [3, 3, 3] / 9, IoU = [1, 0.5, 0.5]
  assert.ok(Math.abs(frequencyWeightedIoU(counts, 3) - (1 + 0.5 + 0.5) / 3) < 1e-15);
  // p_o = 7/9, p_e = (3·3 + 3·3 + 3·3) / 81 = 1/3
  assert.ok(Math.abs(cohenKappa(counts, 3) - (7 / 9 - 1 / 3) / (1 - 1 / 3)) < 1e-15);
});

test("normalised matrices: rows, columns, all; empty rows stay 0", () => {
  const counts = ConfusionMatrix.fromCounts([[3, 1, 0], [0, 2, 0], [0, 0, 0]]).counts;
  close(normalizeMatrix(counts, 3, "row"), [0.75, 0.25, 0, 0, 1, 0, 0, 0, 0]);
  close(normalizeMatrix(counts, 3, "column"), [1, 1 / 3, 0, 0, 2 / 3, 0, 0, 0, 0]);
  close(normalizeMatrix(counts, 3, "all"), [0.5, 1 / 6, 0, 0, 1 / 3, 0, 0, 0, 0]);
});

test("summary: mmseg names and nanmean over classes absent from both maps", () => {
  const s = summarize(ConfusionMatrix.fromCounts([[3, 1, 0], [0, 2, 0], [0, 0, 0]]));
  close(s.IoU, [3 / 4, 2 / 3]);
  assert.ok(Number.isNaN(s.IoU[2]));
  assert.equal(s.mIoU, (3 / 4 + 2 / 3) / 2);
  assert.equal(s.mAcc, (3 / 4 + 1) / 2);
  assert.equal(s.mPrecision, (1 + 2 / 3) / 2);
  assert.equal(s.mDice, (6 / 7 + 4 / 5) / 2);
  assert.equal(s.aAcc, 5 / 6);
});
