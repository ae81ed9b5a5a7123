// Sliding-window inference over volumes against MONAI's sliding_window_inference
// (fixtures/sliding_window_make_golden.py records the checkout): a 3×3×3 convolution as the
// predictor over a 20×17×13 volume, 8×8×8 windows at overlap 0.25 and 0.5 with constant and
// Gaussian blending, and windows larger than the volume along one axis (zero-padded around it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { slidingWindowInference } from "../src/inference/sliding-window-inference.js";

torch.setNumThreads(1);
const fixture = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/sliding_window_golden.safetensors", import.meta.url)));
const get = (key: string) => fixture.tensors.get(key)!;

test("fixture records the reference repository and commit", () => {
  assert.equal(fixture.metadata.repository, "github:Project-MONAI/MONAI");
  assert.match(fixture.metadata.commit, /^[0-9a-f]{40}$/);
});

const CASES: [number[], number, "constant" | "gaussian"][] = [
  [[8, 8, 8], 0.25, "constant"], [[8, 8, 8], 0.5, "gaussian"], [[8, 8, 8], 0.25, "gaussian"],
  [[8, 24, 6], 0.5, "constant"], [[8, 24, 6], 0.25, "gaussian"],
];

for (const [roi, overlap, mode] of CASES) {
  test(`${roi.join("×")} windows, overlap ${overlap}, ${mode} blending equal MONAI's`, () => {
    const start = torch.liveTensors();
    const predictor = (w: torch.Tensor) => torch.conv3d(w, get("weight"), get("bias"), 1, 1);
    const out = slidingWindowInference(get("input"), roi, predictor, { overlap, mode });
    const expected = get(`output.${roi.join("x")}.${overlap}.${mode}`);
    assert.deepEqual(out.shape, expected.shape);
    const [diff, scale] = torch.tidy(() => [out.sub(expected).abs().max().item(), expected.abs().max().item()]);
    assert.ok(diff <= 1e-5 * scale, `max difference ${diff}`);
    out.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

test("bad windows, overlap and predictor outputs are refused naming them", () => {
  const x = get("input");
  const identity = (w: torch.Tensor) => w;
  assert.throws(() => slidingWindowInference(x, [8, 8], identity), /roi must be 3 positive integers/);
  assert.throws(() => slidingWindowInference(x, [8, 8, 8], identity, { overlap: 1 }), /overlap must be in \[0, 1\), got 1/);
  assert.throws(() => slidingWindowInference(x, [8, 8, 8], (w) => w.slice(2, 0, 4)), /the predictor returned \[1, 2, 4, 8, 8\] for a window of \[8, 8, 8\]/);
});
