// Segmenter (linear and mask-transformer decoders) against the authors' code (github:rstrudel/segmenter)
// with timm's ViT as encoder (github:huggingface/pytorch-image-models), run by
// fixtures/segmenter_make_golden.py on Debian's torch 1.13, seeded weights regenerated here: reduced
// variants load the reference's state dict with no missing or unexpected keys, and on a 23×29 input
// (padded to the patch, position embedding resized bicubically from 4×4 to 6×8, masks upsampled and
// cropped) their logits and gradients agree within 1e-4 relative; full-size counts equal the reference's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkParity } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/segmenter_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
// The fixture's REDUCED encoder.
const ENCODER = { embedDim: 32, depth: 3, numHeads: 4, patchSize: 4, imgSize: 16, posEmbedInterpolation: "bicubic" };

test("fixture records the reference repositories and commits", () => {
  assert.equal(metadata.repository, "github:rstrudel/segmenter");
  assert.equal(metadata.timm_repository, "github:huggingface/pytorch-image-models");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(metadata.timm_commit, /^[0-9a-f]{40}$/);
});

for (const [name, type] of [["segmenter_linear", "segmenter_linear_vit_s16"], ["segmenter_mask", "segmenter_mask_vit_s16"]]) {
  test(`${name} (reduced): reference keys, logits and gradients`, () => {
    checkParity(build<Segmentor>("model", { type, numClasses: 5, encoder: ENCODER }), fixture, name, [2, 5, 23, 29]);
  });
}

// The reference composition at 150 classes (ADE20K) with the 512×512 position grid, counted by the
// fixture script; the paper (Strudel et al. 2021, Table 1) gives the encoders as ViT-S 22M, B 86M, L 307M.
test("full-size parameter counts equal the reference's (150 classes, 512×512 grid)", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  for (const name of ["segmenter_linear_vit_s16", "segmenter_mask_vit_s16", "segmenter_mask_vit_b16", "segmenter_mask_vit_l16"]) {
    assert.equal(countParameters({ type: name, numClasses: 150 }), counts[name], name);
  }
});

test("segmenter options are checked", () => {
  assert.throws(() => build("model", { type: "segmenter_linear_vit_s16", numClasses: 3, decoderLayers: 3 }), /decoderLayers/);
  assert.throws(() => build("model", { type: "segmenter_mask_vit_s16", numClasses: 3, encoder: { depth: 0 } }), /VisionTransformer: depth must be integer ≥ 1, got 0/);
  assert.throws(() => build("model", { type: "segmenter_mask_vit_s16", numClasses: 3, encoder: { numHeads: 5 } }), /width \(384\) must be a multiple of the number of heads \(5\)/);
});
