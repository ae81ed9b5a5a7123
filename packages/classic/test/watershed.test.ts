import assert from "node:assert/strict";
import { test } from "node:test";
import { regularSeeds, rgbToGrey, sobel, watershed } from "../src/index.js";
import { loadFixtures } from "./fixtures.js";

// skimage.segmentation.watershed (Debian python3-skimage) on the Sobel gradient of three CamVid val
// images at 160×120 from 60 single-pixel seeds (skimage.util.regular_seeds), connectivity 1.
// Tie rule: equal values leave the queue in order of entry, markers first in raster order. skimage
// agrees except between marker pixels of equal value; the fixtures' markers have distinct values.
const fixtures = loadFixtures();

for (const image of fixtures.images) {
  test(`watershed equals skimage's on ${image.name}`, () => {
    const markerValues = new Set<number>();
    let markerCount = 0;
    image.markers.labels.forEach((m, p) => {
      if (m > 0) {
        markerCount++;
        markerValues.add(image.gradient.data[p]);
      }
    });
    assert.equal(markerValues.size, markerCount, "marker values tie: the tie rule would matter");
    const ours = watershed(image.gradient, image.markers);
    let differ = 0;
    for (let p = 0; p < ours.labels.length; p++) if (ours.labels[p] !== image.watershed.labels[p]) differ++;
    assert.equal(differ, 0, `${differ} pixels differ`);
  });
}

for (const image of fixtures.images) {
  test(`the surface and markers come out as skimage's sobel(rgb2gray) and regular_seeds on ${image.name}`, () => {
    const gradient = sobel(rgbToGrey(image.rgb));
    let worst = 0;
    for (let p = 0; p < gradient.data.length; p++) worst = Math.max(worst, Math.abs(gradient.data[p] - image.gradient.data[p]));
    assert.ok(worst < 1e-6, `largest difference ${worst} (the fixture is float32)`);
    assert.deepEqual(regularSeeds(image.rgb.width, image.rgb.height, 60).labels, image.markers.labels);
  });
}

test("two basins meet at the ridge; a mask leaves pixels unlabelled", () => {
  // 1-D ridge at x = 4: values fall towards both ends.
  const width = 9;
  const values = [0, 1, 2, 3, 9, 3, 2, 1, 0];
  const surface = { width, height: 1, channels: 1, data: values };
  const markers = { width, height: 1, labels: Int32Array.from([1, 0, 0, 0, 0, 0, 0, 0, 2]) };
  const out = watershed(surface, markers);
  // The ridge pixel is reached from the left first (the left basin's pixel 3 entered the queue earlier).
  assert.deepEqual(Array.from(out.labels), [1, 1, 1, 1, 1, 2, 2, 2, 2]);
  const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(watershed(surface, markers, { mask }).labels), [1, 1, 1, 1, 1, 1, 0, 2, 2]);
});

test("8-connectivity crosses diagonals that 4-connectivity cannot", () => {
  const width = 3;
  const mask = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const surface = { width, height: 3, channels: 1, data: new Float64Array(9) };
  const markers = { width, height: 3, labels: Int32Array.from([5, 0, 0, 0, 0, 0, 0, 0, 0]) };
  assert.deepEqual(Array.from(watershed(surface, markers, { mask }).labels), [5, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(watershed(surface, markers, { mask, connectivity: 8 }).labels), [5, 0, 0, 0, 5, 0, 0, 0, 5]);
});
