// The augmentation pipeline: every geometric transform leaves only valid labels and the ignore
// value; sizes, flips, normalisation, padding and determinism by seed; bad options name the key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { build, type Config } from "../src/config/registry.js";
import { Rng } from "../src/data/rng.js";
import { buildPipeline } from "../src/data/transforms/pipeline.js";
import { resizeSample } from "../src/data/transforms/sampling.js";
import { SyntheticDataset } from "../src/data/datasets/synthetic.js";
import type { RawSample, Transform } from "../src/data/types.js";

const IGNORE = 255;
const CLASSES = 5;
const scene = new SyntheticDataset(4, [40, 56], 7);

function sample(i = 0): RawSample {
  return scene.draw(i);
}

function labelValues(s: RawSample): Set<number> {
  return new Set(s.label);
}

function transform(config: Config): Transform {
  return buildPipeline([config], IGNORE);
}

const GEOMETRIC: Config[] = [
  { type: "Resize", scale: [80, 30], ratioRange: [0.5, 2] },
  { type: "Resize", scale: [23, 17], keepRatio: false },
  { type: "RandomCrop", size: [64, 30], catMaxRatio: 0.75 },
  { type: "RandomFlip", prob: 1 },
  { type: "RandomFlip", prob: 1, direction: "vertical" },
  { type: "Pad", size: [50, 70] },
  { type: "Pad", divisor: 32 },
  { type: "RandomRotate", prob: 1, degree: 40 },
  { type: "ElasticDeform", prob: 1, sigma: 6 },
  { type: "MirrorPad", margin: 10 },
  { type: "MirrorPad", margin: 10, label: "mirror" },
];

for (const config of GEOMETRIC) {
  test(`${JSON.stringify(config)}: labels stay within the classes and ignore, sizes agree`, () => {
    for (let i = 0; i < 4; i++) {
      for (let seed = 0; seed < 3; seed++) {
        const out = transform(config)(sample(i), new Rng(seed));
        assert.equal(out.pixels.length, out.width * out.height * 3);
        assert.equal(out.label.length, out.width * out.height);
        for (const v of labelValues(out)) assert.ok(v < CLASSES || v === IGNORE, `label ${v} after ${config.type}`);
      }
    }
  });
}

test("RandomCrop with catMaxRatio retries single-class windows and dominated ones, as mmseg does", () => {
  // 10 rows × 40 columns: class 1 left of column 36, class 2 from there. Of the 31 places of a
  // 10×10 window only two (left 29 and 30) hold two classes with neither at 75% or more.
  const width = 40, height = 10;
  const label = new Uint8Array(width * height).map((_, i) => (i % width < 36 ? 1 : 2));
  const raw: RawSample = { width, height, pixels: new Uint8Array(width * height * 3), label, meta: scene.draw(0).meta };
  const crop = transform({ type: "RandomCrop", size: [10, 10], catMaxRatio: 0.75 });
  let mixed = 0;
  const draws = 200;
  for (let seed = 0; seed < draws; seed++) {
    if (new Set(crop(raw, new Rng(seed)).label).size > 1) mixed++;
  }
  // Accepting single-class windows gives about 4/31 mixed windows; retrying up to ten times gives
  // 1 − (29/31)^10 ≈ 49% accepted windows, plus the mixed ones among the last draws.
  assert.ok(mixed / draws > 0.35, `${mixed} of ${draws} windows hold two classes`);
});

test("geometric transforms that add border fill it with the ignore index", () => {
  const padded = transform({ type: "Pad", size: [50, 70] })(sample(), new Rng(0));
  assert.equal(padded.label[49 * 70 + 69], IGNORE);
  const rotated = transform({ type: "RandomRotate", prob: 1, degree: 45 })(sample(), new Rng(1));
  assert.ok(labelValues(rotated).has(IGNORE));
  const mirrored = transform({ type: "MirrorPad", margin: 10 })(sample(), new Rng(0));
  assert.deepEqual([mirrored.width, mirrored.height], [76, 60]);
  assert.equal(mirrored.label[0], IGNORE);
  const s = sample();
  assert.deepEqual([...mirrored.pixels.subarray(0, 3)], [...s.pixels.subarray((10 * 56 + 10) * 3, (10 * 56 + 10) * 3 + 3)], "corner is the reflection");
});

test("Resize keeps the ratio within the scale; labels are nearest-neighbour (values preserved)", () => {
  const out = transform({ type: "Resize", scale: [112, 80] })(sample(), new Rng(0));
  assert.deepEqual([out.width, out.height], [112, 80]);
  const half = transform({ type: "Resize", scale: [28, 20] })(sample(), new Rng(0));
  assert.deepEqual([half.width, half.height], [28, 20]);
  assert.ok([...labelValues(half)].every((v) => labelValues(sample()).has(v)));
  const crop = transform({ type: "RandomCrop", size: [16, 24] })(sample(), new Rng(0));
  assert.deepEqual([crop.width, crop.height], [24, 16]);
});

test("flipping twice gives the sample back; Normalize gives (x − mean) / std as float", () => {
  const flip = transform({ type: "RandomFlip", prob: 1 });
  const s = sample();
  const twice = flip(flip(s, new Rng(0)), new Rng(0));
  assert.deepEqual(twice.pixels, s.pixels);
  assert.deepEqual(twice.label, s.label);
  const n = transform({ type: "Normalize", mean: [10, 20, 30], std: [2, 4, 5] })(s, new Rng(0));
  assert.ok(n.pixels instanceof Float32Array);
  assert.equal(n.pixels[4], (s.pixels[4] - 20) / 4);
  assert.deepEqual(n.label, s.label);
});

test("PhotoMetricDistortion changes colours, not labels or size, and wants bytes", () => {
  const p = transform({ type: "PhotoMetricDistortion" });
  const s = sample();
  let changed = 0;
  for (let seed = 0; seed < 8; seed++) {
    const out = p(s, new Rng(seed));
    assert.deepEqual(out.label, s.label);
    if (out.pixels.some((v, i) => v !== s.pixels[i])) changed++;
  }
  assert.ok(changed >= 6, `${changed} of 8 distorted`);
  const normalised = transform({ type: "Normalize" })(s, new Rng(0));
  assert.throws(() => p(normalised, new Rng(0)), /PhotoMetricDistortion needs byte pixels: put it before Normalize/);
});

test("GaussianBlur and GaussianNoise leave labels alone", () => {
  for (const type of ["GaussianBlur", "GaussianNoise"]) {
    const out = transform({ type, prob: 1 })(sample(), new Rng(2));
    assert.deepEqual(out.label, sample().label);
    assert.notDeepEqual(out.pixels, sample().pixels);
  }
});

test("the same seed gives the same augmented sample; another seed another", () => {
  const pipeline = buildPipeline(GEOMETRIC.slice(0, 4).concat([{ type: "PhotoMetricDistortion" }, { type: "Normalize" }]), IGNORE);
  const a = pipeline(sample(1), new Rng(5, 0, 1));
  const b = pipeline(sample(1), new Rng(5, 0, 1));
  const c = pipeline(sample(1), new Rng(6, 0, 1));
  assert.deepEqual(a.pixels, b.pixels);
  assert.deepEqual(a.label, b.label);
  assert.notDeepEqual(a.pixels, c.pixels);
});

test("bad transform configs name the transform and key", () => {
  assert.throws(() => buildPipeline([{ type: "RandomFlip", probability: 0.5 }], IGNORE), /pipeline\[0\] \(transform "random_flip"\): unknown key "probability"/);
  assert.throws(() => buildPipeline([{ type: "RandomFlop" }], IGNORE), /unknown transform "RandomFlop" \(did you mean "random_flip"\?\)/);
  assert.throws(() => build("transform", { type: "RandomCrop", size: [10] }), /RandomCrop: "size" must be a pair/);
  assert.throws(() => build("transform", { type: "RandomFlip", prob: 2 }), /"prob" must be a number in \[0, 1\]/);
  assert.throws(() => build("transform", { type: "Normalize", std: [1, 0, 1] }), /"std" must not contain 0/);
  assert.throws(() => build("transform", { type: "Pad" }), /Pad: give "size" or "divisor"/);
});

test("the pipeline gives label-filling transforms the dataset's ignore index unless the config sets one", () => {
  const camvidLike = buildPipeline([{ type: "Pad", size: [50, 70] }], 11)(sample(), new Rng(0));
  assert.equal(camvidLike.label[49 * 70 + 69], 11);
  const explicit = buildPipeline([{ type: "Pad", size: [50, 70], ignoreIndex: 200 }], 11)(sample(), new Rng(0));
  assert.equal(explicit.label[49 * 70 + 69], 200);
});

test("Resize then RandomCrop, fused by the pipeline, equals the two steps run in turn", () => {
  const cases: [Config, Config][] = [
    [{ type: "Resize", scale: [56, 40], ratioRange: [0.5, 2] }, { type: "RandomCrop", size: [30, 44], catMaxRatio: 0.75 }],
    [{ type: "Resize", scale: [20, 14], keepRatio: false }, { type: "RandomCrop", size: [16, 24] }], // crop larger: padding
    [{ type: "Resize", scale: [56, 40] }, { type: "RandomCrop", size: [40, 56] }], // no-op resize and crop
  ];
  for (const [resize, crop] of cases) {
    const fused = buildPipeline([resize, crop], IGNORE);
    const steps = [build<Transform>("transform", resize), build<Transform>("transform", { ...crop, ignoreIndex: IGNORE })];
    for (let seed = 0; seed < 6; seed++) {
      for (const s of [sample(seed % 4), { ...sample(seed % 4), pixels: transform({ type: "Normalize" })(sample(seed % 4), new Rng(0)).pixels }]) {
        const a = fused(s, new Rng(seed));
        const rng = new Rng(seed);
        const b = steps.reduce((acc, step) => step(acc, rng), s);
        assert.deepEqual([a.width, a.height], [b.width, b.height]);
        assert.deepEqual(a.label, b.label, `labels, ${resize.scale} seed ${seed}`);
        assert.deepEqual(a.pixels, b.pixels, `pixels, ${resize.scale} seed ${seed}`);
      }
    }
  }
});

test("PhotoMetricDistortion's HSV pass: saturation × 0 turns a pixel into the grey of its maximum", () => {
  const p = transform({ type: "PhotoMetricDistortion", brightnessDelta: 0, contrastRange: [1, 1], saturationRange: [0, 0], hueDelta: 0 });
  const s = sample();
  let greyed = 0;
  for (let seed = 0; seed < 6; seed++) {
    const out = p(s, new Rng(seed));
    const grey = out.pixels[0] === out.pixels[1] && out.pixels[1] === out.pixels[2] && s.pixels[0] !== s.pixels[1];
    for (let i = 0; i < s.pixels.length; i += 3) {
      const expected = grey ? Array(3).fill(Math.max(s.pixels[i], s.pixels[i + 1], s.pixels[i + 2])) : [...s.pixels.subarray(i, i + 3)];
      assert.deepEqual([...out.pixels.subarray(i, i + 3)], expected);
    }
    if (grey) greyed++;
  }
  assert.ok(greyed > 0 && greyed < 6, `${greyed} of 6 desaturated`);
});

test("resizing matches direct per-pixel bilinear interpolation (half-pixel centres), up and down", () => {
  const s = sample(2);
  const floats = { ...s, pixels: Float32Array.from(s.pixels) };
  for (const [outW, outH] of [[97, 71], [23, 17], [56, 40]]) {
    const out = resizeSample(floats, outW, outH);
    const at = (x: number, y: number, k: number): number => floats.pixels[(y * s.width + x) * 3 + k];
    for (let y = 0; y < outH; y += 5) {
      for (let x = 0; x < outW; x += 3) {
        const sx = Math.min(Math.max((x + 0.5) * (s.width / outW) - 0.5, 0), s.width - 1);
        const sy = Math.min(Math.max((y + 0.5) * (s.height / outH) - 0.5, 0), s.height - 1);
        const [xa, ya] = [Math.floor(sx), Math.floor(sy)];
        const [xb, yb] = [Math.min(xa + 1, s.width - 1), Math.min(ya + 1, s.height - 1)];
        for (let k = 0; k < 3; k++) {
          const top = at(xa, ya, k) + (at(xb, ya, k) - at(xa, ya, k)) * (sx - xa);
          const bottom = at(xa, yb, k) + (at(xb, yb, k) - at(xa, yb, k)) * (sx - xa);
          const expected = top + (bottom - top) * (sy - ya);
          assert.ok(Math.abs(out.pixels[(y * outW + x) * 3 + k] - expected) < 1e-3, `(${x}, ${y}) at ${outW}×${outH}`);
        }
      }
    }
  }
});
