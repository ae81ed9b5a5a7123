// PVT v1 against the authors' segmentation backbone (github:whai362/PVT segmentation/pvt.py, run by
// fixtures/pvt_v1_make_golden.py on PyTorch 1.13 with small stand-ins for timm and mmcv; seeded
// weights regenerated here): a reduced backbone (2 blocks per stage, sequence reduction 8/4/2/1,
// position embeddings stored for 224) loads the authors' state dict with no missing or unexpected
// keys, and on a 75×101 input (every position embedding resized, no multiple of the strides) the four
// stage outputs and the gradients agree within 1e-4 relative. Full-size counts equal the authors'
// code's (backbones) and the paper's (Semantic FPN).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { Backbone } from "../src/models/index.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/pvt_v1_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
const REDUCED = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], depths: [2, 2, 2, 2], srRatios: [8, 4, 2, 1], mlpRatios: [8, 8, 4, 4], dropPathRate: 0 };

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:whai362/PVT");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("pvt v1 (reduced): the authors' keys load; stage outputs and gradients match", () => {
  const start = torch.liveTensors();
  const model = build<Backbone>("backbone", { type: "pvt_tiny", ...REDUCED });
  loadReference(model, fixture, "pvt_v1");
  model.eval();
  const outputs = model.call(golden.get("input")!);
  assert.deepEqual(outputs.map((o) => o.shape), [[2, 16, 18, 25], [2, 32, 9, 12], [2, 48, 4, 6], [2, 64, 2, 3]]);
  checkOutputsAndGradients(model, fixture, "pvt_v1", outputs);
  for (const t of outputs) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

// Wang et al. 2021, "Pyramid Vision Transformer", ADE20K Semantic FPN results (150 classes):
// PVT-Tiny 17.0 M, Small 28.2 M, Medium 48.0 M, Large 65.1 M parameters. The backbones' exact
// counts are the authors' code's (fixture metadata). Counted on the meta device.
test("full-size parameter counts: backbones = the authors' code, Semantic FPN = the paper's (150 classes)", () => {
  const reference = JSON.parse(metadata.parameters) as Record<string, number>;
  const paper: Record<string, number> = { tiny: 17.0, small: 28.2, medium: 48.0, large: 65.1 };
  for (const [variant, millions] of Object.entries(paper)) {
    const backbone = torch.withDefaultDevice("meta", () => build<Backbone>("backbone", { type: `pvt_${variant}` }));
    assert.equal(backbone.numParameters(), reference[`pvt_${variant}`], variant);
    const count = countParameters({ type: `fpn_pvt_${variant}`, numClasses: 150 });
    assert.equal(Math.round(count / 1e5) / 10, millions, `fpn_pvt_${variant}: ${count}`);
  }
});

test("inputs too small for the patching and sequence reduction name the minimum size", () => torch.tidy(() => {
  const model = build<Backbone>("backbone", { type: "pvt_tiny", ...REDUCED });
  assert.throws(() => model.forward(torch.zeros([1, 3, 31, 64])), /PyramidVisionTransformer: input 31×64 is too small; patching at strides \[4,8,16,32\] with sequence reduction ratios \[8,4,2,1\] needs height and width of at least 32/);
  assert.deepEqual(model.forward(torch.zeros([1, 3, 32, 32])).map((o) => o.shape[2]), [8, 4, 2, 1]);
  model.dispose();
  assert.throws(() => build("backbone", { type: "pvt_tiny", pretrainSize: 100 }), /PyramidVisionTransformer: pretrainSize must be integer ≥ 1, multiple of 32, got 100/);
}));

test("fpn_pvt_tiny (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in 100 steps; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "fpn_pvt_tiny", ...REDUCED, mlpRatios: [4, 4, 4, 4], neckChannels: 32, headChannels: 32 }, { steps: 100, lr: 0.003, size: [128, 128] }));
