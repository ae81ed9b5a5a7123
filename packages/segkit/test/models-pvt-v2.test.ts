// PVT v2 against timm (github:huggingface/pytorch-image-models v0.9.16, run by
// fixtures/pvt_v2_make_golden.py on PyTorch 1.13; seeded weights regenerated here): reduced backbones
// with spatial-reduction attention (ratios 8/4/2/1) and with linear SRA load timm's state dict with no
// missing or unexpected keys, and on a 75×101 input (no multiple of the patching's strides) the four
// stage outputs and the gradients agree within 1e-4 relative. Full-size counts equal timm's
// (backbones) and the paper's (Semantic FPN).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { Backbone } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/pvt_v2_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
// The fixture's REDUCED backbone.
const REDUCED = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], depths: [2, 2, 2, 2], srRatios: [8, 4, 2, 1], mlpRatios: [8, 8, 4, 4], dropPathRate: 0 };

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:huggingface/pytorch-image-models");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

for (const [name, type] of [["pvt_v2", "pvt_v2_b0"], ["pvt_v2_li", "pvt_v2_b2_li"]]) {
  test(`${name} (reduced): timm's keys load; stage outputs and gradients match`, () => {
    const start = torch.liveTensors();
    const model = build<Backbone>("backbone", { type, ...REDUCED });
    loadReference(model, fixture, name);
    model.eval();
    const outputs = model.call(golden.get("input")!);
    assert.deepEqual(outputs.map((o) => o.shape), [[2, 16, 19, 26], [2, 32, 10, 13], [2, 48, 5, 7], [2, 64, 3, 4]]);
    checkOutputsAndGradients(model, fixture, name, outputs);
    for (const t of outputs) t.dispose();
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

// Wang et al. 2022, "PVT v2: Improved Baselines with Pyramid Vision Transformer", ADE20K Semantic FPN
// results (150 classes): B0 7.6 M, B1 17.8 M, B2 29.1 M, B2-Li 26.3 M, B3 49.0 M, B4 66.3 M,
// B5 85.7 M parameters. The backbones' exact counts are timm's (fixture metadata). Meta device.
test("full-size parameter counts: backbones = timm's, Semantic FPN = the paper's (150 classes)", () => {
  const timm = JSON.parse(metadata.parameters) as Record<string, number>;
  const paper: Record<string, number> = { b0: 7.6, b1: 17.8, b2: 29.1, b2_li: 26.3, b3: 49.0, b4: 66.3, b5: 85.7 };
  for (const [variant, millions] of Object.entries(paper)) {
    const backbone = torch.withDefaultDevice("meta", () => build<Backbone>("backbone", { type: `pvt_v2_${variant}` }));
    assert.equal(backbone.numParameters(), timm[`pvt_v2_${variant}`], variant);
    const count = countParameters({ type: `fpn_pvt_v2_${variant}`, numClasses: 150 });
    // B0 is the exception: timm's backbone (3,409,760) + FPN neck (2,492,416) + FPN head
    // (1,643,158) make 7,545,334, 7.5 M; the paper prints 7.6 M, which we could not reproduce.
    const tolerance = variant === "b0" ? 0.1 : 0;
    assert.ok(Math.abs(Math.round(count / 1e5) / 10 - millions) <= tolerance + 1e-9, `fpn_pvt_v2_${variant}: ${count}`);
  }
});

test("inputs too small for the sequence reduction name the minimum size; linear SRA takes any size", () => torch.tidy(() => {
  const sra = build<Backbone>("backbone", { type: "pvt_v2_b0", ...REDUCED });
  assert.throws(() => sra.forward(torch.zeros([1, 3, 40, 28])), /PyramidVisionTransformerV2: input 40×28 is too small; with sequence reduction ratios \[8,4,2,1\] at strides \[4,8,16,32\] height and width must be at least 29/);
  const linear = build<Backbone>("backbone", { type: "pvt_v2_b2_li", ...REDUCED });
  assert.deepEqual(linear.forward(torch.zeros([1, 3, 9, 13])).map((o) => o.shape), [[1, 16, 3, 4], [1, 32, 2, 2], [1, 48, 1, 1], [1, 64, 1, 1]]);
  sra.dispose();
  linear.dispose();
}));

test("pvt_v2 options are checked", () => {
  assert.throws(() => build("backbone", { type: "pvt_v2_b0", mlpRatios: [8, 8, 4] }), /PyramidVisionTransformerV2: mlpRatios takes 4 values \(one per stage\), got \[8,8,4\]/);
  assert.throws(() => build("backbone", { type: "pvt_v2_b0", numHeads: [1, 2, 3, 8] }), /SpatialReductionAttention: channels \(160\) must be a multiple of numHeads \(3\)/);
  assert.throws(() => build("model", { type: "fpn_pvt_v2_b0", numClasses: 3, depth: 3 }), /depth/);
});
