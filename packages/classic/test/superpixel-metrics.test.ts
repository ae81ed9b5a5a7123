import assert from "node:assert/strict";
import { test } from "node:test";
import { boundaryRecall, undersegmentationError } from "../src/index.js";
import { grid } from "./grid.js";

// Hand-made cases worked out on paper (no reference library computes these two measures here).
const truth = grid(["000111", "000111", "000111", "000111"]);

test("superpixels that respect the truth: recall 1, error 0", () => {
  const sp = grid(["000111", "000111", "222333", "222333"]);
  assert.equal(boundaryRecall(sp, truth, { tolerance: 0 }), 1);
  assert.equal(undersegmentationError(sp, truth), 0);
});

test("one superpixel straddling the boundary: the error charges the smaller side", () => {
  // Superpixel 1 covers columns 2–3: 4 pixels of truth 0 and 4 of truth 1 → min(4, 4) twice;
  // superpixels 0 and 2 lie inside one truth region.
  const sp = grid(["001122", "001122", "001122", "001122"]);
  assert.equal(undersegmentationError(sp, truth), (4 + 4) / 24);
  // Truth boundary pixels: column 2 (its right neighbour differs), 4 of them. Superpixel boundary
  // pixels: columns 1 and 3. Tolerance 0 finds none, tolerance 1 finds all.
  assert.equal(boundaryRecall(sp, truth, { tolerance: 0 }), 0);
  assert.equal(boundaryRecall(sp, truth, { tolerance: 1 }), 1);
});

test("a boundary shifted by two pixels is recalled at tolerance 2 only", () => {
  const sp = grid(["000001", "000001", "000001", "000001"]);
  assert.equal(boundaryRecall(sp, truth, { tolerance: 1 }), 0);
  assert.equal(boundaryRecall(sp, truth, { tolerance: 2 }), 1);
  // Superpixel 0 holds 12 pixels of truth 0 and 8 of truth 1: min(12, 8) + min(8, 12) = 16.
  assert.equal(undersegmentationError(sp, truth), 16 / 24);
});

test("ignored ground truth pixels count nowhere", () => {
  const withVoid = grid(["000111", "000111", "999999", "999999"]);
  const sp = grid(["001111", "001111", "000000", "000000"]);
  // Kept: the top 12 pixels. Superpixel 0: 4 of truth 0 only (its other pixels are void); superpixel 1:
  // 2 of truth 0 and 6 of truth 1 → min(2, 6) + min(6, 2) = 4.
  assert.equal(undersegmentationError(sp, withVoid, { ignoreIndex: 9 }), 4 / 12);
  // Truth boundary pixels not touching void: (2, 0) only — (2, 1) has void below. The superpixel
  // boundary at column 1 is 1 away.
  assert.equal(boundaryRecall(sp, withVoid, { ignoreIndex: 9, tolerance: 1 }), 1);
  assert.equal(boundaryRecall(sp, withVoid, { ignoreIndex: 9, tolerance: 0 }), 0);
});

test("mismatched sizes are refused, naming the argument", () => {
  assert.throws(() => boundaryRecall(grid(["01"]), truth), /boundaryRecall: groundTruth is 6×4 but superpixels is 2×1/);
  assert.throws(() => undersegmentationError(grid(["01"]), truth), /undersegmentationError: groundTruth is 6×4/);
});
