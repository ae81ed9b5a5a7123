// W-Net (Xia & Kulis 2017) and its soft normalized-cut loss. No runnable reference exists, so: the
// loss equals a plain dense O(N²) evaluation of the paper's formula (Sec. 3.2, eq. for J_soft-Ncut,
// with its Gaussian weights within radius r); the network has the structure Sec. 3.1 / Fig. 1 state
// (18 modules, 46 convolution layers, each U-Net's maps at strides 1…16…1; the paper states no
// parameter count); unsupervised training lowers the N-cut loss with a gradient on every parameter;
// ONNX export of its segment scores.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { softNCutLoss } from "../src/losses/soft-ncut.js";
import type { WNet } from "../src/models/segmentors/w-net/model.js";
import { WNetModule } from "../src/models/segmentors/w-net/u-net.js";
import "../src/models/index.js";
import { overfit, SCENE_CLASSES, syntheticScenes } from "./fixtures/overfit.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-w-net-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** J_soft-Ncut written out over every pixel pair, per image, averaged over the batch. */
function denseSoftNCut(p: Float32Array, f: Float32Array, [n, k, c, h, w]: number[], r: number, sigmaI: number, sigmaX: number): number {
  const pixels = h * w;
  let total = 0;
  for (let b = 0; b < n; b++) {
    const weight = (u: number, v: number): number => {
      const [yu, xu, yv, xv] = [Math.floor(u / w), u % w, Math.floor(v / w), v % w];
      const d2 = (yu - yv) ** 2 + (xu - xv) ** 2;
      if (Math.sqrt(d2) >= r) return 0;
      let f2 = 0;
      for (let ch = 0; ch < c; ch++) f2 += (f[(b * c + ch) * pixels + u] - f[(b * c + ch) * pixels + v]) ** 2;
      return Math.exp(-f2 / sigmaI ** 2) * Math.exp(-d2 / sigmaX ** 2);
    };
    let ratios = 0;
    for (let s = 0; s < k; s++) {
      const pk = (u: number) => p[(b * k + s) * pixels + u];
      let assoc = 0;
      let volume = 0;
      for (let u = 0; u < pixels; u++) {
        for (let v = 0; v < pixels; v++) {
          const wuv = weight(u, v);
          assoc += pk(u) * wuv * pk(v);
          volume += pk(u) * wuv;
        }
      }
      ratios += assoc / volume;
    }
    total += k - ratios;
  }
  return total / n;
}

for (const radius of [2, 5]) {
  test(`soft N-cut equals its dense O(N²) evaluation (6×7 images, K = 3, r = ${radius}, σ_X = 4)`, () => {
    torch.manualSeed(1);
    torch.tidy(() => {
      const shape = [2, 3, 3, 6, 7]; // n, k, c, h, w
      const p = torch.randn([2, 3, 6, 7]).mul(2).softmax(1);
      const f = torch.rand([2, 3, 6, 7]).mul(40); // intensities on a 0–255-like scale, σ_I = 10 as the paper
      const loss = softNCutLoss(p, f, { radius, sigmaIntensity: 10, sigmaSpatial: 4 }).item();
      const dense = denseSoftNCut(p.toTypedArray() as Float32Array, f.toTypedArray() as Float32Array, shape, radius, 10, 4);
      assert.ok(Math.abs(loss - dense) <= 1e-5, `${loss} vs dense ${dense}`);
      assert.ok(dense > 0.1 && dense < 3, `a non-trivial value: ${dense}`);
    });
  });
}

test("soft N-cut refuses mismatched inputs and a non-positive radius, naming them", () => {
  torch.tidy(() => {
    const p = torch.rand([1, 2, 4, 4]).softmax(1);
    assert.throws(() => softNCutLoss(p, torch.rand([1, 3, 4, 5]), { radius: 2, sigmaIntensity: 1, sigmaSpatial: 1 }), /features \[1,3,4,5\] do not match probabilities \[1,2,4,4\]/);
    assert.throws(() => softNCutLoss(p, torch.rand([1, 3, 4, 4]), { radius: 0, sigmaIntensity: 1, sigmaSpatial: 1 }), /radius must be a positive number, got 0/);
  });
});

test("w_net: 18 modules, 46 convolution layers, the U-Nets' maps at strides 1, 2, 4, 8, 16, 8, 4, 2, 1", () => {
  torch.manualSeed(0);
  const widths = [4, 8, 16, 32, 64]; // the paper's 64…1024 at 1/16 width, same depth
  const model = build<WNet>("model", { type: "w_net", numClasses: 6, widths });
  const modules = [...model.namedModules()];
  assert.equal(modules.filter(([, m]) => m instanceof WNetModule).length, 18);
  const convs = modules.filter(([, m]) => m instanceof torch.nn.ConvNdLayer) as [string, torch.nn.ConvNdLayer][];
  const threeByThree = convs.filter(([, m]) => m.kernelSize[0] === 3);
  const depthwise = threeByThree.filter(([, m]) => m.groups > 1);
  const outputs = convs.filter(([name]) => name.endsWith(".output"));
  const upconvs = modules.filter(([, m]) => m instanceof torch.nn.ConvTransposeNdLayer);
  // Modules 1 and 9 of each U-Net use regular convolutions (8 layers), the 14 others separable ones (28).
  assert.deepEqual([threeByThree.length - depthwise.length, depthwise.length, upconvs.length, outputs.length], [8, 28, 8, 2]);
  assert.equal(threeByThree.length + upconvs.length + outputs.length, 46);
  const shapes: number[][] = [];
  const hooks = [...model.encoder.blocks].map((b) => b.registerForwardHook((_m, _in, out) => void shapes.push((out as torch.Tensor).shape)));
  model.eval();
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([1, 3, 32, 48]);
    const { segments, reconstruction } = model.outputs(x);
    assert.deepEqual([segments.shape, reconstruction.shape], [[1, 6, 32, 48], [1, 3, 32, 48]]);
    assert.ok(segments.sum([1]).sub(1).abs().max().item() < 1e-5, "soft segments sum to 1");
  }));
  hooks.forEach((hook) => hook.remove());
  const strides = [1, 2, 4, 8, 16, 8, 4, 2, 1];
  const levels = [0, 1, 2, 3, 4, 3, 2, 1, 0];
  assert.deepEqual(shapes, strides.map((s, i) => [1, widths[levels[i]], 32 / s, 48 / s]));
  model.dispose();
});

test("w_net (reduced): unsupervised training lowers the soft N-cut loss of synthetic scenes; every trainable parameter gets a gradient", async (t) => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  // K = 5 segments, as many as the scenes' classes, so that the overfit helper's (unused) mIoU is defined.
  const model = build<WNet>("model", { type: "w_net", numClasses: SCENE_CLASSES, widths: [8, 16, 32], radius: 3, sigmaIntensity: 0.15, sigmaSpatial: 4 });
  const { x, y } = await syntheticScenes(4, [32, 32]);
  const ncut = () => torch.tidy(() => torch.noGrad(() => softNCutLoss(model.outputs(x).segments, x, model.ncut).item()));
  model.eval();
  const before = ncut();
  // The labels are not read: W-Net's losses are the N-cut of its segments and the reconstruction's error.
  // Measured: 4.00 -> 1.85 in 60 steps (2.35 in 40).
  const { losses, withoutGradient } = overfit(model, x, y, { steps: 60, lr: 0.01 });
  const afterTraining = ncut();
  t.diagnostic(`soft N-cut (eval mode) ${before.toFixed(4)} -> ${afterTraining.toFixed(4)}; total loss ${losses[0].toFixed(4)} -> ${losses.at(-1)!.toFixed(4)}`);
  assert.deepEqual(withoutGradient, [], "trainable parameters without a non-zero gradient");
  assert.ok(afterTraining < 0.6 * before, `soft N-cut ${before.toFixed(4)} -> ${afterTraining.toFixed(4)}`);
  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("w_net (reduced) exports to ONNX (its segment scores) and onnxruntime reproduces the eval output", async () => {
  torch.manualSeed(0);
  const model = build<WNet>("model", { type: "w_net", numClasses: 3, widths: [4, 8, 16] });
  const difference = await onnxRelativeDifference(model, "w_net", [32, 48], tmp);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  model.dispose();
});
