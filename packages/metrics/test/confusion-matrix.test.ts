import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfusionMatrix, LabelValueError } from "../src/index.js";
import { blockyLabels, rng } from "./random.js";

const rows = (m: ConfusionMatrix) =>
  Array.from({ length: m.numClasses }, (_, i) => Array.from(m.counts.subarray(i * m.numClasses, (i + 1) * m.numClasses)));

/** The definition, one pixel at a time, for comparison with the fast paths. */
function reference(pred: ArrayLike<number>, gt: ArrayLike<number>, k: number, ignore?: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < gt.length; i++) if (gt[i] !== ignore) m[gt[i]][pred[i]]++;
  return m;
}

test("surveys' worked example: labels vs predictions give [[3,0,1],[0,2,0],[0,1,2]]", () => {
  const labels = Uint8Array.from([0, 2, 0, 2, 1, 0, 0, 2, 1]);
  const predictions = Uint8Array.from([0, 1, 0, 2, 1, 0, 2, 2, 1]);
  const m = new ConfusionMatrix(3).update(predictions, labels, 3);
  assert.deepEqual(rows(m), [[3, 0, 1], [0, 2, 0], [0, 1, 2]]);
});

test("8-bit fast path equals the per-pixel definition on blocky and noisy maps of any length and offset", () => {
  const rand = rng(1);
  for (const [w, h] of [[480, 360], [7, 5], [1, 3], [33, 1]]) {
    const buf = new Uint8Array(w * h + 3);
    for (const offset of [0, 1, 3]) {
      const gt = blockyLabels(w, h, 12, rand); // 11 is the ignore value
      const pred = buf.subarray(offset, offset + w * h);
      pred.set(blockyLabels(w, h, 11, rand));
      for (let i = 0; i < pred.length; i += 1 + Math.floor(rand() * 50)) pred[i] = Math.floor(rand() * 11);
      const m = new ConfusionMatrix(11, { ignoreIndex: 11 }).update(pred, gt);
      assert.deepEqual(rows(m), reference(pred, gt, 11, 11), `${w}×${h} offset ${offset}`);
    }
  }
});

test("16-bit and Int32 maps go through the generic path with the same result", () => {
  const rand = rng(2);
  const gt8 = blockyLabels(64, 48, 5, rand);
  const pred8 = blockyLabels(64, 48, 5, rand);
  const expected = reference(pred8, gt8, 5);
  assert.deepEqual(rows(new ConfusionMatrix(5).update(Uint16Array.from(pred8), Uint16Array.from(gt8))), expected);
  assert.deepEqual(rows(new ConfusionMatrix(5).update(Int32Array.from(pred8), Int32Array.from(gt8))), expected);
  assert.deepEqual(rows(new ConfusionMatrix(5).update(pred8, Int16Array.from(gt8))), expected);
});

test("ignoreIndex drops pixels, negative ignore values work for signed maps", () => {
  const gt = Int32Array.from([0, -1, 1, 1, -1]);
  const pred = Int32Array.from([0, 1, 1, 0, 0]);
  assert.deepEqual(rows(new ConfusionMatrix(2, { ignoreIndex: -1 }).update(pred, gt)), [[1, 0], [1, 1]]);
});

test("reduceZeroLabel: gt 0 is ignored, v becomes v-1, the ignore index stays ignored", () => {
  const gt = Uint8Array.from([0, 1, 2, 2, 255, 0]);
  const pred = Uint8Array.from([1, 0, 1, 0, 1, 0]);
  const m = new ConfusionMatrix(2, { ignoreIndex: 255, reduceZeroLabel: true }).update(pred, gt);
  assert.deepEqual(rows(m), [[1, 0], [1, 1]]);
});

test("out-of-range ground truth is an error naming value and position, and leaves the matrix unchanged", () => {
  const m = new ConfusionMatrix(3, { ignoreIndex: 255 });
  m.update(Uint8Array.from([0, 1, 2, 0]), Uint8Array.from([0, 1, 2, 0]));
  const before = Array.from(m.counts);
  const gt = Uint8Array.from([0, 1, 2, 0, 1, 7, 2, 9]);
  assert.throws(
    () => m.update(new Uint8Array(8), gt, 4),
    (e: unknown) =>
      e instanceof LabelValueError &&
      e.value === 7 &&
      e.index === 5 &&
      /ground truth has label 7 at pixel 5 \(row 1, column 1\); valid values are 0\.\.2 and the ignore index 255/.test(e.message),
  );
  assert.deepEqual(Array.from(m.counts), before);
  assert.throws(() => m.update(new Uint16Array(8), Uint16Array.from(gt)), /label 7 at index 5/);
});

test("outOfRange: 'ignore' drops such ground-truth pixels", () => {
  const m = new ConfusionMatrix(2, { outOfRange: "ignore" }).update(Uint8Array.from([0, 1, 1]), Uint8Array.from([0, 5, 1]));
  assert.deepEqual(rows(m), [[1, 0], [0, 1]]);
});

test("a prediction outside [0, K) at a counted pixel is an error; at an ignored pixel it is not", () => {
  const m = new ConfusionMatrix(2, { ignoreIndex: 255 });
  assert.throws(() => m.update(Uint8Array.from([0, 4]), Uint8Array.from([0, 1])), /prediction has label 4 at index 1; valid values are 0\.\.1/);
  m.update(Uint8Array.from([0, 4]), Uint8Array.from([0, 255]));
  assert.deepEqual(rows(m), [[1, 0], [0, 0]]);
});

test("maps of different lengths are refused with both lengths", () => {
  assert.throws(() => new ConfusionMatrix(2).update(new Uint8Array(4), new Uint8Array(6)), /prediction has 4 pixels but ground truth has 6/);
});

test("merge adds counts and per-image records; serialisation round-trips", () => {
  const rand = rng(3);
  const pairs = Array.from({ length: 4 }, () => [blockyLabels(20, 10, 4, rand), blockyLabels(20, 10, 4, rand)]);
  const whole = new ConfusionMatrix(4, { perImage: true });
  const a = new ConfusionMatrix(4, { perImage: true });
  const b = new ConfusionMatrix(4, { perImage: true });
  pairs.forEach(([p, g], i) => {
    whole.update(p, g);
    (i < 2 ? a : b).update(p, g);
  });
  a.merge(b);
  assert.deepEqual(rows(a), rows(whole));
  assert.deepEqual(a.images, whole.images);
  const restored = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(a)));
  assert.deepEqual(rows(restored), rows(whole));
  assert.deepEqual(restored.rules, a.rules);
  assert.throws(() => a.merge(new ConfusionMatrix(3)), /cannot merge a 3-class matrix into a 4-class one/);
});

test("matrices with different rules updated in turn each count by their own rules", () => {
  const gt = Uint8Array.from([0, 1, 2, 255, 0, 1, 2, 255]);
  const pred = Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 1]);
  const plain = new ConfusionMatrix(3, { ignoreIndex: 255 });
  const ade = new ConfusionMatrix(2, { ignoreIndex: 255, reduceZeroLabel: true });
  for (let i = 0; i < 3; i++) {
    plain.update(pred, gt);
    ade.update(pred, gt);
  }
  assert.deepEqual(rows(plain), reference(pred, gt, 3, 255).map((r) => r.map((v) => 3 * v)));
  // reduceZeroLabel: gt 1 → class 0, gt 2 → class 1; gt 0 and 255 ignored
  assert.deepEqual(rows(ade), [[3, 3], [0, 6]]);
});
