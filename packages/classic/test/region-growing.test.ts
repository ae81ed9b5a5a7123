import assert from "node:assert/strict";
import { test } from "node:test";
import { regionGrowing } from "../src/index.js";
import { grid, rows } from "./grid.js";

// No maintained library ships seeded region growing (Adams & Bischof); hand-made cases.

test("two noisy flat regions are recovered from one seed each", () => {
  const width = 12;
  const height = 8;
  const data = new Float64Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = (p % width < 5 ? 20 : 80) + ((p * 7919) % 11) - 5;
  const seeds = new Int32Array(width * height);
  seeds[3 * width + 1] = 1;
  seeds[4 * width + 10] = 2;
  const out = regionGrowing({ width, height, channels: 1, data }, { width, height, labels: seeds });
  for (let p = 0; p < data.length; p++) assert.equal(out.labels[p], p % width < 5 ? 1 : 2, `pixel ${p}`);
});

test("maxDistance leaves pixels far from every region unlabelled", () => {
  const image = { width: 5, height: 1, channels: 1, data: [10, 11, 50, 12, 10] };
  const seeds = grid(["10000"]);
  assert.deepEqual(rows(regionGrowing(image, seeds, { maxDistance: 5 })), ["11000"]);
  assert.deepEqual(rows(regionGrowing(image, seeds)), ["11111"]);
});

test("colour images grow by Euclidean distance to the region's mean colour", () => {
  const red = [200, 0, 0];
  const blue = [0, 0, 200];
  const data = [...red, ...red, ...blue, ...blue, ...red, ...blue];
  const image = { width: 3, height: 2, channels: 3, data };
  const seeds = grid(["100", "002"]);
  const out = regionGrowing(image, seeds);
  // Red pixels join region 1 and the blue one at the top right region 2; the blue pixel at the
  // bottom left touches only red ones, so region 1 is the only region that can take it.
  assert.deepEqual(rows(out), ["112", "112"]);
});
