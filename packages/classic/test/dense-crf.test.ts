import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { denseCrf } from "../src/index.js";

// pydensecrf (github:lucasb-eyer/pydensecrf, commit in crf.json; Krähenbühl's C++ built with
// Debian's cython3 and libeigen3-dev) on a 160×120 CamVid val image with noisy 11-class
// probabilities: Gaussian (3, Potts 3) + bilateral (80, 13; Potts 10 or a random matrix) kernels,
// 5 iterations. Stated tolerance: marginals within 1e-4 at 600 fixed pixels (both sides run float32;
// ~1e-6 measured), MAP labels equal on ≥ 99% of pixels (100% measured).
const DIR = new URL("../../test/fixtures/", import.meta.url);
const meta = JSON.parse(readFileSync(new URL("crf.json", DIR), "utf8"));

function array(folder: string, entry: { file: string; dtype: string }): Uint8Array | Float32Array {
  const b = gunzipSync(readFileSync(new URL(`${folder}/${entry.file}`, DIR)));
  const copy = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  return entry.dtype === "float32" ? new Float32Array(copy) : new Uint8Array(copy);
}

for (const item of meta.images) {
  const [height, width] = item.rgb.shape as number[];
  const rgb = array("classic", item.rgb) as Uint8Array;
  const classes = meta.classes as number;
  const probs = Float32Array.from(array("crf", item.probs), (q) => Math.fround(q / meta.levels));
  for (const [kind, compat] of [["potts", 10], ["matrix", Float32Array.from(meta.matrix as number[])]] as const) {
    test(`dense CRF (${kind} compatibility) agrees with pydensecrf on ${item.name}`, () => {
      const ours = denseCrf(probs, classes, { width, height, channels: 3, data: rgb }, {
        iterations: 5, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 80, srgb: 13, compat },
      });
      const labels = array("crf", item[kind].labels) as Uint8Array;
      let same = 0;
      for (let p = 0; p < labels.length; p++) if (ours.labels[p] === labels[p]) same++;
      const marginals = array("crf", item[kind].marginals) as Float32Array;
      let worst = 0;
      (item.pixels as number[]).forEach((p, s) => {
        for (let c = 0; c < classes; c++) worst = Math.max(worst, Math.abs(ours.probabilities[c * width * height + p] - marginals[s * classes + c]));
      });
      console.log(`# ${kind}: MAP labels equal on ${(100 * same / labels.length).toFixed(2)}% of pixels, largest marginal difference ${worst.toExponential(2)}`);
      assert.ok(same >= 0.99 * labels.length, `MAP labels equal on ${same} of ${labels.length} pixels`);
      assert.ok(worst <= 1e-4, `largest marginal difference ${worst}`);
    });
  }
}

test("the CRF sharpens a noisy prediction towards the image's edges", () => {
  // Two flat halves; the prediction is right with probability 0.6 and noisy per pixel.
  const width = 40;
  const height = 20;
  const rgb = new Uint8Array(width * height * 3);
  const probs = new Float32Array(2 * width * height);
  for (let p = 0; p < width * height; p++) {
    const left = p % width < 20;
    rgb.set(left ? [30, 30, 30] : [220, 220, 220], 3 * p);
    const right = ((p * 2654435761) >>> 0) % 10 < 3 ? !left : left; // 30% of pixels flipped
    probs[p] = right ? 0.6 : 0.4;
    probs[width * height + p] = 1 - probs[p];
  }
  const out = denseCrf(probs, 2, { width, height, channels: 3, data: rgb });
  for (let p = 0; p < width * height; p++) assert.equal(out.labels[p], p % width < 20 ? 0 : 1, `pixel ${p}`);
});

test("bad input: NaN probabilities, mismatched sizes and compatibility shapes are refused by name", () => {
  const image = { width: 2, height: 2, channels: 3, data: new Uint8Array(12) };
  const probs = new Float32Array(8).fill(0.5);
  probs[5] = NaN;
  assert.throws(() => denseCrf(probs, 2, image), /denseCrf: probabilities\[5\] is NaN; probabilities must be in \[0, 1\]/);
  assert.throws(() => denseCrf(new Float32Array(6), 2, image), /denseCrf: probabilities has 6 values, expected classes × image size = 2×2×2 = 8/);
  assert.throws(() => denseCrf(new Float32Array(8), 2, image, { bilateral: { sxy: 80, srgb: 13, compat: [1, 2, 3] } }), /denseCrf: bilateral.compat has 3 entries, expected 2×2/);
  assert.throws(() => denseCrf(new Float32Array(8), 2, { width: 0, height: 2, channels: 3, data: new Uint8Array(0) }), /denseCrf: image has zero or invalid size 0×2/);
});
