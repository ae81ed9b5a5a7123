// Prediction and evaluation with refinements (`segkit predict|test --crf --superpixels`): the labels
// are @segkit/classic's denseCrf of the model's probabilities and the image (which here cleans the
// noise a pixelwise model keeps), then the SLIC superpixel majority; evaluation scores those labels;
// bad flag values are refused by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { denseCrf, slic, superpixelMajority } from "@segkit/classic";
import * as torch from "@segkit/torch";
import type { Dataset } from "../src/data/types.js";
import { evaluateRefined } from "../src/engine/evaluate-refined.js";
import { loadRunConfig } from "../src/engine/load.js";
import { refinementFromConfig } from "../src/engine/postprocess.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { runConfig } from "../src/engine/run-config.js";
import { Pointwise } from "./fixtures/pointwise.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const TEST = { mode: "whole" as const, crop: null, stride: null, flip: false, scales: [1] };
torch.setNumThreads(1);

/** A pixelwise model on a two-region image with scattered misleading pixels (see the first test). */
function noisyHalves() {
  // Logit_k = 0.02 × channel k (raw 0–255 values: the pipeline only pads): reddish pixels are
  // class 0, greenish ones class 1. The left half is reddish and the right greenish, except for
  // scattered pixels of the other colour that the model labels pixel by pixel.
  const model = new Pointwise(2).eval();
  torch.tidy(() => torch.noGrad(() => {
    model.conv.weight.copy_(torch.tensor(Float32Array.from([0.02, 0, 0, 0, 0.02, 0]), { shape: [2, 3, 1, 1] }));
    model.conv.bias!.copy_(torch.tensor(Float32Array.from([0, 0]), { shape: [2] }));
  }));
  const [width, height] = [48, 32];
  const pixels = new Uint8Array(width * height * 3);
  const truth = new Int32Array(width * height);
  for (let p = 0; p < width * height; p++) {
    truth[p] = p % width < 24 ? 0 : 1;
    const flipped = ((p * 2654435761) >>> 0) % 13 === 0;
    const shown = flipped ? 1 - truth[p] : truth[p];
    // The colour follows the region (the CRF's appearance kernel sees the halves); the model's evidence is weak.
    pixels.set(truth[p] === 0 ? [150, 100, 60] : [100, 150, 60], 3 * p);
    if (flipped) pixels.set(shown === 0 ? [131, 119, 60] : [119, 131, 60], 3 * p);
  }
  const image = { width, height, pixels, meta: { file: "halves", size: [height, width] as [number, number] } };
  return { model, image, truth, width, height, pixels };
}

const PIPELINE = [{ type: "Pad", divisor: 32 }];

test("--crf labels are the dense CRF of the model's probabilities; it removes a pixelwise model's noise", () => {
  const { model, image, truth, width, height, pixels } = noisyHalves();
  const pipeline = predictionPipeline(PIPELINE);
  const plain = predictLabels(model, image, pipeline, TEST);
  const refined = predictLabels(model, image, pipeline, TEST, { crf: {} });
  // The reference: softmax of the same logits, then denseCrf with its defaults.
  const probs = new Float32Array(2 * width * height);
  for (let p = 0; p < width * height; p++) {
    const [a, b] = [0.02 * pixels[3 * p], 0.02 * pixels[3 * p + 1]];
    probs[p] = 1 / (1 + Math.exp(b - a));
    probs[width * height + p] = 1 - probs[p];
  }
  const expected = denseCrf(probs, 2, { width, height, channels: 3, data: pixels });
  assert.deepEqual(Array.from(refined), Array.from(expected.labels));
  const wrong = (labels: ArrayLike<number>): number => truth.reduce((n, k, p) => n + (labels[p] !== k ? 1 : 0), 0);
  const noisy = wrong(plain);
  const left = wrong(refined);
  assert.ok(noisy > 50, `the case needs noise: ${noisy} pixels`);
  assert.ok(left < noisy / 4, `the CRF left ${left} of ${noisy} noisy pixels`);
  model.dispose();
});

test("--superpixels gives each SLIC superpixel its majority label, after the CRF when both are asked", () => {
  const { model, image, width, height, pixels } = noisyHalves();
  const pipeline = predictionPipeline(PIPELINE);
  const superpixels = slic({ width, height, channels: 3, data: pixels }, { nSegments: 24 });
  const plain = predictLabels(model, image, pipeline, TEST);
  const expected = superpixelMajority({ width, height, labels: Int32Array.from(plain) }, superpixels).labels;
  assert.deepEqual(Array.from(predictLabels(model, image, pipeline, TEST, { superpixels: { nSegments: 24 } })), Array.from(expected));
  const crf = predictLabels(model, image, pipeline, TEST, { crf: {} });
  const both = superpixelMajority({ width, height, labels: Int32Array.from(crf) }, superpixels).labels;
  assert.deepEqual(Array.from(predictLabels(model, image, pipeline, TEST, { crf: {}, superpixels: { nSegments: 24 } })), Array.from(both));
  model.dispose();
});

test("refined evaluation scores the refined labels against each sample's label", async () => {
  const { model, image, truth } = noisyHalves();
  const label = Uint8Array.from(truth);
  label[5] = 255; // ignored
  const dataset: Dataset = {
    classes: ["red", "green"], palette: [[255, 0, 0], [0, 255, 0]], ignoreIndex: 255, length: 2,
    file: (i) => `halves_${i}`,
    raw: async () => ({ ...image, label }),
    get: () => Promise.reject(new Error("evaluateRefined reads raw samples only")),
  };
  const refinement = { crf: {} };
  const { matrix } = await evaluateRefined(model, dataset, PIPELINE, TEST, refinement);
  const labels = predictLabels(model, image, predictionPipeline(PIPELINE), TEST, refinement);
  const expected = new Float64Array(4);
  for (let p = 0; p < label.length; p++) if (label[p] !== 255) expected[2 * label[p] + labels[p]] += 2; // two identical samples
  assert.deepEqual(Array.from(matrix.counts), Array.from(expected));
  model.dispose();
});

test("bad --crf and --superpixels values are refused, naming the option", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "predict", "demo_synthetic", "x.png", "--out", "unused", ...args], { encoding: "utf8" });
  assert.match(run("--crf", "{iterations: 5}").stderr, /--crf: not JSON/);
  assert.match(run("--crf", '{"iters": 5}').stderr, /--crf: unknown option "iters"; options: iterations, gaussian, bilateral/);
  assert.match(run("--crf", "[1]").stderr, /--crf: expected a JSON object of options/);
  assert.match(run("--superpixels", '{"segments": 5}').stderr, /--superpixels: unknown option "segments"; options: nSegments, compactness/);
});

test("test.postprocess in a config: validated by runConfig with errors naming the entry and key", () => {
  const base = {
    model: { type: "unet", numClasses: 2 },
    data: { train: { dataset: { type: "synthetic" }, pipeline: [] }, val: { dataset: { type: "synthetic" }, pipeline: [] } },
  };
  const withPostprocess = (postprocess: unknown) => runConfig({ ...base, test: { postprocess } } as never);
  const ok = withPostprocess([{ type: "crf", iterations: 3 }, { type: "superpixels", nSegments: 200 }]);
  assert.deepEqual(refinementFromConfig(ok.test.postprocess ?? [], "config.test.postprocess"), { crf: { iterations: 3 }, superpixels: { nSegments: 200 } });
  assert.deepEqual(runConfig(base as never).test.postprocess, []);
  assert.throws(() => withPostprocess([{ type: "blur" }]), /config.test.postprocess\[0\]: unknown type "blur"; types: crf, superpixels/);
  assert.throws(() => withPostprocess([{ type: "crf", iters: 5 }]), /config.test.postprocess\[0\]: unknown key "iters"/);
  assert.throws(() => withPostprocess([{ type: "superpixels" }, { type: "crf" }]), /config.test.postprocess\[1\]: "crf" must come once and before "superpixels"/);
  assert.throws(() => withPostprocess({ type: "crf" }), /config.test.postprocess must be a list/);
});

test("the DeepLab v1/v2 configs refine with the dense CRF at test time, as the papers do", async () => {
  const v1 = await loadRunConfig("camvid_deeplabv1_vgg16_largefov");
  assert.deepEqual(refinementFromConfig(v1.test.postprocess ?? [], "v1"), {
    crf: { iterations: 10, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 121, srgb: 5, compat: 4 } },
  });
  const v2 = await loadRunConfig("camvid_deeplabv2_r101");
  assert.deepEqual(refinementFromConfig(v2.test.postprocess ?? [], "v2"), {
    crf: { iterations: 10, gaussian: { sxy: 1, compat: 3 }, bilateral: { sxy: 67, srgb: 3, compat: 4 } },
  });
});
