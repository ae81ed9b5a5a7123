import assert from "node:assert/strict";
import { test } from "node:test";
import { connectedComponents, fillHoles, labelMorphology, removeSmallRegions, superpixelMajority } from "../src/index.js";
import { grid, rows } from "./grid.js";

// Hand-made cases; fill-holes and morphology follow scipy.ndimage.binary_fill_holes and
// skimage.morphology.binary_* semantics, worked out by hand here.

test("connected components: diagonal touches join under 8- but not 4-connectivity", () => {
  const map = grid(["100", "010", "001"]);
  const four = connectedComponents(map, { connectivity: 4 });
  assert.equal(four.count, 5); // three 1s apart, the 0s above and below the diagonal
  assert.deepEqual(rows(four), ["011", "231", "224"]);
  const eight = connectedComponents(map, { connectivity: 8 });
  assert.equal(eight.count, 2); // the 1s along the diagonal; the 0s meet diagonally too
  assert.deepEqual(Array.from(eight.sizes), [3, 6]);
});

test("small-region removal merges specks into the label they share most border with", () => {
  const map = grid(["11111", "11211", "11111", "33333"]);
  assert.deepEqual(rows(removeSmallRegions(map, { minSize: 2 })), ["11111", "11111", "11111", "33333"]);
  // A 2-pixel region between 1 (3 border pixels) and 3 (2 border pixels) goes to 1.
  const between = grid(["1111", "1221", "3333"]);
  assert.deepEqual(rows(removeSmallRegions(between, { minSize: 3 })), ["1111", "1111", "3333"]);
  // Regions at or above minSize stay; a lone region stays whatever its size.
  assert.deepEqual(rows(removeSmallRegions(between, { minSize: 2 })), ["1111", "1221", "3333"]);
  assert.deepEqual(rows(removeSmallRegions(grid(["77"]), { minSize: 5 })), ["77"]);
});

test("hole filling fills enclosed background only", () => {
  const map = grid(["000000", "011110", "010010", "011110", "000100"]);
  // The 2-pixel hole is enclosed; the background touching the border stays.
  assert.deepEqual(rows(fillHoles(map)), ["000000", "011110", "011110", "011110", "000100"]);
  assert.deepEqual(rows(fillHoles(map, { maxSize: 1 })), rows(map));
  // A hole open through a diagonal gap is a hole under 4-connectivity, not under 8.
  const gap = grid(["11110", "10010", "11101", "00000"]);
  assert.deepEqual(rows(fillHoles(gap, { connectivity: 4 }))[1], "11110");
  assert.deepEqual(rows(fillHoles(gap, { connectivity: 8 }))[1], "10010");
});

test("morphology: dilate, erode, open and close of one label", () => {
  const dot = grid(["00000", "00000", "00100", "00000", "00000"]);
  assert.deepEqual(rows(labelMorphology(dot, { operation: "dilate" })), ["00000", "01110", "01110", "01110", "00000"]);
  assert.deepEqual(rows(labelMorphology(dot, { operation: "dilate", element: "diamond" })), ["00000", "00100", "01110", "00100", "00000"]);
  assert.deepEqual(rows(labelMorphology(dot, { operation: "dilate", radius: 2, element: "diamond" })), ["00100", "01110", "11111", "01110", "00100"]);
  const block = grid(["11100", "11100", "11100", "00000"]);
  // Erosion: the border of the image does not erode (outside counts as the label).
  assert.deepEqual(rows(labelMorphology(block, { operation: "erode", fill: 7 })), ["11700", "11700", "77700", "00000"]);
  // Opening removes a speck and keeps the block; closing fills a one-pixel notch.
  const speck = grid(["11100", "11100", "11100", "00001"]);
  assert.deepEqual(rows(labelMorphology(speck, { operation: "open" })), ["11100", "11100", "11100", "00000"]);
  const notch = grid(["11111", "11011", "11111"]);
  assert.deepEqual(rows(labelMorphology(notch, { operation: "close" })), ["11111", "11111", "11111"]);
});

test("superpixel majority: each superpixel takes its most common predicted label", () => {
  const prediction = grid(["1112", "1122", "3322"]);
  const superpixels = grid(["0011", "0011", "2233"]);
  // Superpixel 0: 1,1,1,1 → 1; 1: 1,2,2,2 → 2; 2: 3,3 → 3; 3: 2,2 → 2.
  assert.deepEqual(rows(superpixelMajority(prediction, superpixels)), ["1122", "1122", "3322"]);
  // A tie goes to the smaller label.
  assert.deepEqual(rows(superpixelMajority(grid(["12"]), grid(["00"]))), ["11"]);
});
