// Prediction with the dense CRF (`segkit predict --crf`): the labels are @segkit/classic's denseCrf
// of the model's probabilities and the image, which here cleans the noise a pixelwise model keeps;
// a bad --crf value is refused by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { denseCrf } from "@segkit/classic";
import * as torch from "@segkit/torch";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { Pointwise } from "./fixtures/pointwise.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const TEST = { mode: "whole" as const, crop: null, stride: null, flip: false, scales: [1] };
torch.setNumThreads(1);

test("--crf labels are the dense CRF of the model's probabilities; it removes a pixelwise model's noise", () => {
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
  const pipeline = predictionPipeline([{ type: "Pad", divisor: 32 }]);
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

test("a bad --crf value is refused, naming the option", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "predict", "demo_synthetic", "x.png", "--out", "unused", ...args], { encoding: "utf8" });
  assert.match(run("--crf", "{iterations: 5}").stderr, /--crf: not JSON/);
  assert.match(run("--crf", '{"iters": 5}').stderr, /--crf: unknown option "iters"; options: iterations, gaussian, bilateral/);
  assert.match(run("--crf", "[1]").stderr, /--crf: expected a JSON object of CRF options/);
});
