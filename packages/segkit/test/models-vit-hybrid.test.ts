// The R50+ViT-B/16 hybrid against timm (github:huggingface/pytorch-image-models at v0.9.16, run by
// fixtures/vit_hybrid_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): a
// reduced hybrid (2 bottlenecks per ResNetV2 stage, ViT of 2 blocks) loads timm's state dict with no
// missing or unexpected keys, and on a 50×70 input (SAME padding at each stride-2 step, a 4×5 grid,
// position embedding resampled from the 2×2 pretraining grid) its block outputs and gradients agree
// within 1e-4 relative; the full-size parameter count equals timm's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Backbone } from "../src/models/index.js";
import { samePadding } from "../src/models/backbones/resnetv2/same-padding.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/vit_hybrid_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
// The fixture's reduced hybrid.
const REDUCED = {
  type: "vit", embedDim: 32, depth: 2, numHeads: 4, imgSize: 32, outIndices: [0, 1], posEmbedInterpolation: "bicubic-antialias",
  hybrid: { layers: [2, 2, 2], channels: [128, 256, 512], stemChannels: 32 },
};

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:huggingface/pytorch-image-models");
  assert.equal(metadata.tag, "v0.9.16");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("SAME padding: the output side is ceil(side / stride), the odd pixel after", () => {
  assert.deepEqual(samePadding(50, 7, 2), [2, 3]);
  assert.deepEqual(samePadding(25, 3, 2), [1, 1]);
  assert.deepEqual(samePadding(13, 1, 2), [0, 0]);
  assert.deepEqual(samePadding(13, 3, 1), [1, 1]);
});

test("r50+vit (reduced): timm's keys, block outputs and gradients on an unaligned input", () => {
  const start = torch.liveTensors();
  const model = build<Backbone>("backbone", REDUCED);
  assert.deepEqual(model.strides, [16, 16]);
  loadReference(model, fixture, "hybrid");
  model.eval();
  const outputs = model.call(golden.get("input")!) as torch.Tensor[];
  assert.deepEqual(outputs.map((o) => o.shape), [[2, 32, 4, 5], [2, 32, 4, 5]]);
  checkOutputsAndGradients(model, fixture, "hybrid", outputs);
  for (const t of outputs) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

// The paper (Dosovitskiy et al. 2021, Table 6) lists no parameter count for R50+ViT-B/16; timm's
// vit_base_r50_s16_384 without classifier is the reference.
test("full-size r50_vit_b16 parameter count equals timm's vit_base_r50_s16_384, counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  const count = torch.withDefaultDevice("meta", () => {
    const model = build<Backbone>("backbone", { type: "r50_vit_b16" });
    try {
      return model.numParameters();
    } finally {
      model.dispose();
    }
  });
  assert.equal(count, counts.vit_base_r50_s16_384);
  assert.equal(count, 98_181_952);
});

test("bad input: a stem width GroupNorm cannot split and unequal stage lists are named", () => {
  assert.throws(() => build("backbone", { ...REDUCED, hybrid: { ...REDUCED.hybrid, stemChannels: 48 } }), /GroupNorm: numChannels \(48\) must be divisible by numGroups \(32\)/);
  assert.throws(() => build("backbone", { ...REDUCED, hybrid: { layers: [2, 2], channels: [128, 256, 512] } }), /ResNetV2: layers and channels must list the same stages/);
});
