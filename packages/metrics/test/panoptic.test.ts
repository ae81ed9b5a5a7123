import assert from "node:assert/strict";
import { test } from "node:test";
import { PanopticQuality, type PanopticSegment } from "../src/index.js";

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

test("crowd regions are neither matched nor missed; predictions mostly on void or a same-class crowd are no false positives", () => {
  // Categories 0 = car, 1 = person, both things. gt: person 1, a crowd of people 2, void at the end.
  const gt = { ids: Int32Array.from([1, 1, 1, 1, 2, 2, 2, 2, 0, 0]), segments: new Map<number, PanopticSegment>([[1, { category: 1 }], [2, { category: 1, iscrowd: true }]]) };
  const pred = { ids: Int32Array.from([5, 5, 5, 0, 6, 6, 6, 7, 7, 7]), segments: new Map([[5, { category: 1 }], [6, { category: 1 }], [7, { category: 1 }]]) };
  const score = () => new PanopticQuality({ numCategories: 2, things: [0, 1] }).updateSegments(pred, gt).result().perClass;
  let [car, person] = score();
  // 5 matches 1 with IoU 3/4; 6 lies on the crowd, 7 on the crowd and void: neither counts
  assert.deepEqual([person.tp, person.fp, person.fn, person.sq], [1, 0, 0, 3 / 4]);
  assert.ok(Number.isNaN(car.pq));
  gt.segments.set(2, { category: 0, iscrowd: true }); // a crowd of cars: 6 (a person) is a false positive; 7 is 2/3 void
  [car, person] = score();
  assert.deepEqual([person.tp, person.fp, person.fn, car.tp + car.fp + car.fn], [1, 1, 0, 0]);
  gt.segments.set(1, { category: 1, area: 6 }); // a listed area replaces the counted one: IoU 3/6 is no match
  [, person] = score();
  assert.deepEqual([person.tp, person.fp, person.fn], [0, 2, 1]);
});

test("segment maps: ids missing from the lists, listed ids missing from the map and unknown categories are refused", () => {
  const pq = new PanopticQuality({ numCategories: 2, things: [1] });
  const gt = { ids: Int32Array.from([1, 1, 0]), segments: new Map([[1, { category: 0 }]]) };
  assert.throws(() => pq.updateSegments({ ids: Int32Array.from([3, 4, 0]), segments: new Map([[3, { category: 0 }]]) }, gt), /prediction segment id 4 at pixel 1 is not in its segment list/);
  assert.throws(() => pq.updateSegments({ ids: Int32Array.from([3, 3, 0]), segments: new Map([[3, { category: 0 }], [9, { category: 1 }]]) }, gt), /prediction segment 9 listed but not in the map/);
  assert.throws(() => pq.updateSegments({ ids: Int32Array.from([3, 3, 0]), segments: new Map([[3, { category: 2 }]]) }, gt), /prediction segment 3 has category 2, outside 0\.\.1/);
  assert.throws(() => pq.updateSegments({ ids: Int32Array.from([3, 3, 0]), segments: new Map([[3, { category: 0 }]]) }, { ...gt, ids: Int32Array.from([1, 8, 0]) }), /ground-truth segment id 8 at pixel 1 is not in its segment list/);
});
