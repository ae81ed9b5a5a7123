import assert from "node:assert/strict";
import { test } from "node:test";
import { felzenszwalb } from "../src/index.js";
import { agreement, labelCount, loadFixtures } from "./fixtures.js";
import { matchedAgreement } from "./matching.js";

// skimage.segmentation.felzenszwalb (Debian python3-skimage) on three CamVid val images at 160×120.
// The issue asks for ≥ 99.5% pixel agreement after label matching (tie order in the edge sort may differ).
const fixtures = loadFixtures();

for (const image of fixtures.images) {
  test(`Felzenszwalb agrees with skimage on ${image.name}`, () => {
    const p = fixtures.felzenszwalb;
    const ours = felzenszwalb(image.rgb, { scale: p.scale, sigma: p.sigma, minSize: p.min_size });
    assert.equal(ours.count, labelCount(ours.labels));
    const matched = matchedAgreement(ours.labels, image.felzenszwalb.labels);
    assert.ok(matched >= 0.995, `${image.name}: ${matched} of the pixels agree after matching`);
    console.log(`# ${image.name}: ${ours.count} regions (skimage ${labelCount(image.felzenszwalb.labels)}), ${(100 * matched).toFixed(2)}% agree after matching, ${(100 * agreement(ours.labels, image.felzenszwalb.labels)).toFixed(2)}% as numbered`);
  });
}

test("minSize merges every region below it; a larger scale gives fewer regions", () => {
  const image = fixtures.images[0];
  const small = felzenszwalb(image.rgb, { scale: 50, minSize: 40 });
  const sizes = new Int32Array(small.count);
  for (const l of small.labels) sizes[l]++;
  assert.ok(Math.min(...sizes) >= 40, `smallest region ${Math.min(...sizes)}`);
  const coarse = felzenszwalb(image.rgb, { scale: 500, minSize: 40 });
  assert.ok(coarse.count < small.count, `${coarse.count} regions at scale 500, ${small.count} at 50`);
});

test("a two-tone grey image splits exactly at its edge", () => {
  const width = 40;
  const height = 30;
  const data = new Float64Array(width * height).map((_, p) => (Math.floor(p / width) < 12 ? 0.1 : 0.9));
  const s = felzenszwalb({ width, height, channels: 1, data }, { scale: 10, sigma: 0, minSize: 5 });
  assert.equal(s.count, 2);
  for (let p = 0; p < data.length; p++) assert.equal(s.labels[p], Math.floor(p / width) < 12 ? 0 : 1);
});
