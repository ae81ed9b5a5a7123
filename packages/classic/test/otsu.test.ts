import assert from "node:assert/strict";
import { test } from "node:test";
import { otsuThreshold } from "../src/index.js";
import { loadFixtures } from "./fixtures.js";

// skimage.filters.threshold_otsu (Debian python3-skimage) on the 8-bit grey CamVid images (integer
// histogram) and on the same values / 255 as floats (256 bins).
const fixtures = loadFixtures();

for (const image of fixtures.images) {
  test(`Otsu equals threshold_otsu on ${image.name}`, () => {
    assert.equal(otsuThreshold(image.grey8.data), image.otsu8);
    assert.equal(otsuThreshold(Float64Array.from(image.grey8.data, (v) => v / 255)), image.otsuFloat);
  });
}

test("a bimodal histogram splits between its modes; a constant input returns its value", () => {
  const values = Uint8Array.from([10, 10, 11, 12, 10, 200, 201, 199, 200, 202]);
  const t = otsuThreshold(values);
  assert.ok(t >= 12 && t < 199, `threshold ${t}`);
  assert.equal(otsuThreshold(Uint8Array.from([7, 7, 7])), 7);
});
