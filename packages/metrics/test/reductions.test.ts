import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfusionMatrix, dice, fbeta, fnr, fpr, iou, perClass, precision, recall, reduce, reduceImagewise, specificity } from "../src/index.js";

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-14, `${a} vs ${b}`);

// gt 0: 4 px (3 right, 1 → class 1); gt 1: 2 px (right); 6 px in all.
const c = ConfusionMatrix.fromCounts([[3, 1], [0, 2]]).classCounts();

test("one-vs-rest ratios from their definitions", () => {
  // class 0: tp 3, fp 0, fn 1, tn 2; class 1: tp 2, fp 1, fn 0, tn 3
  assert.deepEqual(Array.from(perClass(dice, c)), [6 / 7, 4 / 5]);
  assert.deepEqual(Array.from(perClass(specificity, c)), [1, 3 / 4]);
  assert.deepEqual(Array.from(perClass(fpr, c)), [0, 1 / 4]);
  assert.deepEqual(Array.from(perClass(fnr, c)), [1 / 4, 0]);
  // F2 for class 0: 5·3 / (5·3 + 4·1 + 0)
  near(perClass(fbeta(2), c)[0], 15 / 19);
  near(perClass(fbeta(1), c)[1], perClass(dice, c)[1]);
});

test("micro, macro and weighted", () => {
  near(reduce(iou, c, "micro"), (3 + 2) / (4 + 3));
  near(reduce(precision, c, "micro"), 5 / 6); // every pixel is one prediction: micro precision = accuracy
  near(reduce(iou, c, "macro"), (3 / 4 + 2 / 3) / 2);
  near(reduce(iou, c, "weighted"), (4 * (3 / 4) + 2 * (2 / 3)) / 6);
  near(reduce(recall, c, "weighted"), 5 / 6); // support-weighted recall = accuracy
});

test("imagewise reductions average per-image scores", () => {
  const m = new ConfusionMatrix(2, { perImage: true });
  m.update(Uint8Array.from([0, 0, 1, 1]), Uint8Array.from([0, 0, 1, 1])); // perfect
  m.update(Uint8Array.from([0, 1, 1, 1]), Uint8Array.from([0, 0, 0, 1])); // IoU 1/3 and 1/3
  near(reduceImagewise(iou, m.images, "macro-imagewise"), (1 + 1 / 3) / 2);
  near(reduceImagewise(iou, m.images, "micro-imagewise"), (1 + 2 / 6) / 2);
  // a class missing from one image: NaN there under mmseg, skipped; 1 under smp
  const n = new ConfusionMatrix(2, { perImage: true });
  n.update(Uint8Array.from([0, 0]), Uint8Array.from([0, 0]));
  n.update(Uint8Array.from([0, 1]), Uint8Array.from([1, 1]));
  near(reduceImagewise(iou, n.images, "macro-imagewise"), (1 + (0 + 1 / 2) / 2) / 2);
  near(reduceImagewise(iou, n.images, "macro-imagewise", { absent: "smp" }), ((1 + 1) / 2 + (0 + 1 / 2) / 2) / 2);
});
