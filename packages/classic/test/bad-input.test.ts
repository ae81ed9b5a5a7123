import assert from "node:assert/strict";
import { test } from "node:test";
import {
  connectedComponents, felzenszwalb, kmeans, otsuThreshold, regionGrowing, slic, superpixelMajority, watershed,
} from "../src/index.js";
import { grid } from "./grid.js";

const rgb = (width: number, height: number) => ({ width, height, channels: 3, data: new Uint8Array(width * height * 3) });

test("zero-size images are refused, naming the argument", () => {
  assert.throws(() => slic(rgb(0, 10)), /slic: image has zero or invalid size 0×10/);
  assert.throws(() => felzenszwalb(rgb(5, 0)), /felzenszwalb: image has zero or invalid size 5×0/);
  assert.throws(() => kmeans(rgb(0, 0), { k: 2 }), /kmeans: image has zero or invalid size/);
  assert.throws(() => connectedComponents({ width: 0, height: 3, labels: new Int32Array(0) }), /connectedComponents: map has zero or invalid size/);
  assert.throws(() => otsuThreshold([]), /otsuThreshold: values is empty/);
});

test("nSegments above the pixel count, and other out-of-range parameters, are refused by name", () => {
  assert.throws(() => slic(rgb(4, 4), { nSegments: 17 }), /slic: nSegments must be an integer in \[1, 16\], got 17/);
  assert.throws(() => slic(rgb(4, 4), { nSegments: 4, compactness: 0 }), /slic: compactness must be a finite number > 0/);
  assert.throws(() => slic({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) }, { nSegments: 4, lab: true }), /slic: lab needs an RGB image, but image has 1 channels/);
  assert.throws(() => kmeans(rgb(2, 2), { k: 5 }), /kmeans: k must be an integer in \[1, 4\], got 5/);
  assert.throws(() => felzenszwalb(rgb(4, 4), { minSize: -1 }), /felzenszwalb: minSize must be an integer ≥ 0/);
});

test("NaN samples are refused with their position", () => {
  const data = new Float32Array(12);
  data[7] = NaN;
  assert.throws(() => slic({ width: 2, height: 2, channels: 3, data }, { nSegments: 1 }), /slic: image.data\[7\] is NaN; samples must be finite/);
  assert.throws(() => watershed({ width: 4, height: 3, channels: 1, data }, grid(["1000", "0000", "0002"])), /watershed: surface.data\[7\] is NaN/);
  assert.throws(() => otsuThreshold([0.1, NaN]), /otsuThreshold: values\[1\] is NaN/);
});

test("mismatched sizes are refused, naming both arguments", () => {
  assert.throws(() => watershed({ width: 3, height: 1, channels: 1, data: [1, 2, 3] }, grid(["10", "02"])), /watershed: markers is 2×2 but surface is 3×1/);
  assert.throws(() => superpixelMajority(grid(["12"]), grid(["0", "0"])), /superpixelMajority: superpixels is 1×2 but prediction is 2×1/);
  assert.throws(() => regionGrowing({ width: 2, height: 1, channels: 1, data: [1, 2] }, grid(["1"])), /regionGrowing: seeds is 1×1 but image is 2×1/);
  assert.throws(() => slic({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }, { nSegments: 1 }), /slic: image.data has 11 samples, expected 2×2×3 = 12/);
});
