import assert from "node:assert/strict";
import { test } from "node:test";
import { PanopticQuality } from "../src/index.js";

// Categories: 0 = road (stuff), 1 = car (thing). Segment id = category·1000 + instance; 255000 = void.
const V = 255000;

test("PQ, SQ, RQ from matched, false positive and false negative segments", () => {
  // 4×4 image. gt: road on the top half, two cars below; pred: road right, car 1001 matched with IoU 3/4,
  // car 1002 missed, and a spurious car 1003 on road.
  // prettier-ignore
  const gt = Int32Array.from([
    0, 0, 0, 0,
    0, 0, 0, 0,
    1001, 1001, 1002, 1002,
    1001, 1001, 1002, 1002,
  ]);
  // prettier-ignore
  const pred = Int32Array.from([
    0, 0, 0, 1003,
    0, 0, 0, 0,
    1001, 1001, 0, 0,
    1001, 0, 0, 0,
  ]);
  const r = new PanopticQuality({ numCategories: 2, things: [1] }).update(pred, gt).result();
  // road: gt 8 px, pred 3 + 4 + 2 + 3 = 12 px of which 7 on gt road: IoU 7 / (8 + 12 - 7) = 7/13 > 0.5 → TP
  const road = r.perClass[0];
  assert.deepEqual([road.tp, road.fp, road.fn], [1, 0, 0]);
  assert.ok(Math.abs(road.sq - 7 / 13) < 1e-15 && Math.abs(road.pq - 7 / 13) < 1e-15);
  // car: 1001 vs 1001 IoU 3/4 → TP; 1002 missed → FN; 1003 (1 px on road) → FP
  const car = r.perClass[1];
  assert.deepEqual([car.tp, car.fp, car.fn], [1, 1, 1]);
  assert.equal(car.sq, 3 / 4);
  assert.equal(car.rq, 1 / 2);
  assert.equal(car.pq, 3 / 8);
  assert.equal(r.things.pq, 3 / 8);
  assert.ok(Math.abs(r.stuff.pq - 7 / 13) < 1e-15);
  assert.ok(Math.abs(r.all.pq - (3 / 8 + 7 / 13) / 2) < 1e-15);
  assert.equal(r.all.n, 2);
});

test("void pixels leave the union, and a prediction mostly on void is no false positive", () => {
  const gt = Int32Array.from([1001, 1001, V, V, V, 0]);
  const pred = Int32Array.from([1001, 1001, 1001, 1002, 1002, 0]);
  const r = new PanopticQuality({ numCategories: 2, things: [1] }).update(pred, gt).result();
  const car = r.perClass[1];
  assert.deepEqual([car.tp, car.fp, car.fn, car.sq], [1, 0, 0, 1]);
});

test("a category outside the range names the id and pixel", () => {
  const pq = new PanopticQuality({ numCategories: 2, things: [1] });
  assert.throws(() => pq.update(Int32Array.from([0, 7001]), Int32Array.from([0, 0])), /prediction segment id 7001 at pixel 1 has category 7, outside 0\.\.1/);
});
