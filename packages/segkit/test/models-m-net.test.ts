// M-Net (Fu et al. 2018) and its polar transformation. The authors' code (HzFu/MNet_DeepCDR, commit
// e094023, Keras on TensorFlow 1) does not run here, so the tests check the structure it and the
// paper's Fig. 2 state: the multi-scale input layer feeding levels 2–4, every level's map size and
// width, 4 side outputs at the input size whose mean is the output; the parameter count summed from
// Model_MNet.py's layer list (the paper states none); the training proof; ONNX export; and the polar
// transform's round trip through its inverse.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { MNet } from "../src/models/segmentors/m-net/model.js";
import { fromPolar, toPolar, polarTransform } from "../src/data/transforms/polar.js";
import type { RawSample } from "../src/data/types.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-m-net-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("m_net: levels at strides 1, 2, 4, 8, the centre at 16, the decoder back to 1; 4 side outputs at the input size averaged into the output", () => {
  torch.manualSeed(0);
  const widths = [4, 8, 16, 32, 64]; // the authors' 32…512 at 1/8 width
  const model = build<MNet>("model", { type: "m_net", numClasses: 2, widths }).eval();
  const shapes: number[][] = [];
  const watched = [...model.encoder, ...model.scale_inputs, model.center, ...model.decoder];
  const hooks = watched.map((m) => m.registerForwardHook((_m, _in, out) => void shapes.push((out as torch.Tensor).shape)));
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([1, 3, 48, 64]);
    const sides = model.sideOutputs(x);
    hooks.forEach((h) => h.remove());
    assert.equal(sides.length, 4);
    for (const side of sides) assert.deepEqual(side.shape, [1, 2, 48, 64]);
    const mean = sides.reduce((a, b) => a.add(b)).div(4);
    assert.ok(model.forward(x).sub(mean).abs().max().item() < 1e-6, "the output is the side outputs' mean");
  }));
  const at = (c: number, stride: number) => [1, c, 48 / stride, 64 / stride];
  // In call order: level 1, then per level 2–4 its scale input (the image pooled to that stride) and the level.
  assert.deepEqual(shapes, [
    at(4, 1), at(8, 2), at(8, 2), at(16, 4), at(16, 4), at(32, 8), at(32, 8), at(64, 16),
    at(32, 8), at(16, 4), at(8, 2), at(4, 1),
  ]);
  model.dispose();
});

test("m_net has the parameters of the authors' Model_MNet.py layers (2 classes; the paper states no count)", () => {
  const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout; // Keras Conv2D with bias
  const expected =
    conv(3, 3, 32) + conv(3, 32, 32) // block1
    + conv(3, 3, 64) + conv(3, 64 + 32, 64) + conv(3, 64, 64) // block2_input1, block2
    + conv(3, 3, 128) + conv(3, 128 + 64, 128) + conv(3, 128, 128)
    + conv(3, 3, 256) + conv(3, 256 + 128, 256) + conv(3, 256, 256)
    + conv(3, 256, 512) + conv(3, 512, 512) // block5
    + conv(2, 512, 256) + conv(3, 512, 256) + conv(3, 256, 256) // block6_dconv, block6
    + conv(2, 256, 128) + conv(3, 256, 128) + conv(3, 128, 128)
    + conv(2, 128, 64) + conv(3, 128, 64) + conv(3, 64, 64)
    + conv(2, 64, 32) + conv(3, 64, 32) + conv(3, 32, 32)
    + conv(1, 256, 2) + conv(1, 128, 2) + conv(1, 64, 2) + conv(1, 32, 2); // side_63 … side_93
  assert.equal(countParameters({ type: "m_net", numClasses: 2 }), expected);
});

// 200 steps reach 0.97 (150: 0.88); the network has no BatchNorm, as the authors'.
test("m_net (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "m_net", widths: [8, 16, 16, 32, 32] }, { steps: 200, lr: 0.005, size: [32, 32] }));

test("m_net (reduced) exports to ONNX and onnxruntime reproduces the eval output", async () => {
  torch.manualSeed(0);
  const model = build<MNet>("model", { type: "m_net", numClasses: 3, widths: [4, 8, 8, 16, 16] });
  const difference = await onnxRelativeDifference(model, "m_net", [32, 48], tmp);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  model.dispose();
});

/** A 41×41 float sample: a smooth image and concentric ring labels around the centre. */
function discSample(): RawSample {
  const side = 41;
  const pixels = new Float32Array(side * side * 3);
  const label = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      for (let k = 0; k < 3; k++) pixels[i * 3 + k] = 100 + 50 * Math.sin(x / 6 + k) * Math.cos(y / 7);
      label[i] = Math.min(Math.floor(Math.hypot(x - 20, y - 20) / 7), 2);
    }
  }
  return { width: side, height: side, pixels, label, meta: { file: "disc", size: [side, side] } };
}

test("the polar transform's inverse restores the image within the radius (bilinear) and the ring labels (nearest)", () => {
  const s = discSample();
  const geometry = { center: [20, 20] as [number, number], radius: 20 };
  const polar = toPolar(s, [81, 361], geometry);
  // Concentric rings become horizontal bands: each polar row (one radius) holds one label away from a ring's edge.
  for (const row of [10, 40, 70]) assert.equal(new Set(polar.label.subarray(row * 361, (row + 1) * 361)).size, 1, `row ${row}`);
  const back = fromPolar(polar, [41, 41], geometry);
  let worst = 0, inside = 0, sameLabel = 0;
  for (let y = 0; y < 41; y++) {
    for (let x = 0; x < 41; x++) {
      const r = Math.hypot(x - 20, y - 20);
      const i = y * 41 + x;
      if (r <= 19) {
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(back.pixels[i * 3 + k] - s.pixels[i * 3 + k]));
        inside++;
        if (back.label[i] === s.label[i]) sameLabel++;
      } else if (r > 20.5) {
        assert.equal(back.label[i], 255, "beyond the radius: the ignore index");
      }
    }
  }
  assert.ok(worst < 1, `largest pixel difference ${worst} (of a 100 ± 50 image)`);
  assert.ok(sameLabel / inside > 0.98, `${sameLabel} of ${inside} labels restored`);
});

test("polar_transform refuses a bad size or radius, naming the key", () => {
  assert.throws(() => polarTransform({ size: [1, 10] }), /polar_transform: "size" must be \[height, width\] in integers ≥ 2, got \[1,10\]/);
  assert.throws(() => polarTransform({ radius: -3 }), /polar_transform: "radius" must be a number/);
  const polar = polarTransform({ size: [20, 90] })(discSample(), null as never);
  assert.deepEqual([polar.height, polar.width], [20, 90]);
});
