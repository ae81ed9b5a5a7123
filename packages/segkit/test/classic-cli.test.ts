// `segkit classic`: writes label PNGs equal to @segkit/classic's output on the decoded image and
// boundary overlays, and refuses bad arguments naming them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { felzenszwalb, kmeans, otsuThreshold, regularSeeds, rgbToGrey, slic, sobel, watershed } from "@segkit/classic";
import { readRgbImage } from "../src/data/image-file.js";
import { readLabelPng } from "../src/io/label-png.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-classic-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function segkit(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

// A 60×40 picture: dark red left of x = 23, light blue right of it, with a little texture.
const width = 60;
const height = 40;
const rgb = new Uint8Array(width * height * 3);
for (let p = 0; p < width * height; p++) rgb.set(p % width < 23 ? [120 + (p % 7), 20, 20] : [150, 180, 230 - (p % 5)], 3 * p);
const picture = join(tmp, "two_tone.png");
await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(picture);

test("slic: the label PNG holds the library's superpixels, the overlay marks their boundaries", async () => {
  const r = segkit("classic", "slic", picture, "--out", join(tmp, "out"), "--segments", "12");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /slic: \d+ superpixels/);
  const expected = slic({ width, height, channels: 3, data: rgb }, { nSegments: 12 });
  const written = await readLabelPng(join(tmp, "out", "labels", "two_tone_slic.png"));
  assert.deepEqual(Array.from(written.data), Array.from(expected.labels));
  const overlay = await readRgbImage(join(tmp, "out", "overlays", "two_tone_slic.png"));
  // The colour edge is a superpixel boundary: column 22 (its right neighbour differs) is yellow.
  for (let y = 0; y < height; y++) assert.deepEqual(Array.from(overlay.pixels.subarray(3 * (y * width + 22), 3 * (y * width + 23))), [255, 255, 0]);
});

test("otsu: 1 marks pixels brighter than the threshold", async () => {
  const r = segkit("classic", "otsu", picture, "--out", join(tmp, "out"));
  assert.equal(r.status, 0, r.stderr);
  const grey = rgbToGrey({ width, height, channels: 3, data: rgb });
  const t = otsuThreshold(grey.data);
  const written = await readLabelPng(join(tmp, "out", "labels", "two_tone_otsu.png"));
  for (let p = 0; p < width * height; p++) assert.equal(written.data[p], grey.data[p] > t ? 1 : 0);
});

test("felzenszwalb, watershed, kmeans: each label PNG holds the library's regions for the same options", async () => {
  const image = { width, height, channels: 3, data: rgb };
  const markers = regularSeeds(width, height, 6);
  const expected = {
    felzenszwalb: felzenszwalb(image, { scale: 50, sigma: 0.8, minSize: 10 }).labels,
    // The CLI writes watershed's marker ids 1…n as 0…n−1.
    watershed: watershed(sobel(rgbToGrey(image)), markers).labels.map((l) => l - 1),
    kmeans: kmeans(image, { k: 3, seed: 7 }).labels,
  };
  const options = { felzenszwalb: ["--scale", "50", "--min-size", "10"], watershed: ["--markers", "6"], kmeans: ["--k", "3", "--seed", "7"] };
  for (const method of ["felzenszwalb", "watershed", "kmeans"] as const) {
    const r = segkit("classic", method, picture, "--out", join(tmp, "out"), ...options[method]);
    assert.equal(r.status, 0, r.stderr);
    const written = await readLabelPng(join(tmp, "out", "labels", `two_tone_${method}.png`));
    assert.deepEqual(Array.from(written.data), Array.from(expected[method]), method);
    const overlay = await readRgbImage(join(tmp, "out", "overlays", `two_tone_${method}.png`));
    assert.equal(overlay.pixels.length, 3 * width * height, `${method} overlay`);
  }
});

test("bad arguments are refused, naming them", () => {
  let r = segkit("classic", "snakes", picture, "--out", tmp);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown method "snakes"; methods: slic, felzenszwalb, watershed, otsu, kmeans/);
  r = segkit("classic", "slic", picture, "--out", tmp, "--segments", "5000");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /slic: nSegments must be an integer in \[1, 2400\], got 5000/);
  r = segkit("classic", "felzenszwalb", join(tmp, "missing.png"), "--out", tmp);
  assert.match(r.stderr, /cannot decode image .*missing\.png/);
  r = segkit("classic", "slic", picture, "--out", tmp, "--compactness", "much");
  assert.match(r.stderr, /--compactness must be a number ≥ 0, got "much"/);
});
