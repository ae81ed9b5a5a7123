// SETR (naive, PUP, MLA) against mmsegmentation's heads and neck on timm's ViT, composed as mmseg's
// configs compose them (github:open-mmlab/mmsegmentation and github:huggingface/pytorch-image-models,
// run by fixtures/setr_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): reduced
// variants load the reference's state dict with no missing or unexpected keys, and on a 23×29 input
// (padded to the patch, position embedding resized bilinearly from 4×4 to 6×8) their logits and
// gradients agree within 1e-4 relative; with the configs' auxiliary heads (PUP: SETR-up on blocks 0-2;
// MLA: a 1×1 classifier on each neck output), so do the auxiliary logits, the weighted loss parts and
// the gradients of their sum; the registered full-size models have the reference's counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { EncoderDecoder, MLANeck, Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkGradients, checkParity, loadReference, relativeDifference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/setr_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;

// The fixture's REDUCED backbone and head widths, in the presets' composition.
const VIT = { type: "vit", embedDim: 32, depth: 4, numHeads: 4, patchSize: 4, imgSize: 16, outIndices: [0, 1, 2, 3], finalNorm: false, posEmbedInterpolation: "bilinear" };
const REDUCED: Record<string, Record<string, unknown>> = {
  setr_naive: { backbone: VIT, head: { type: "setr_up", inIndex: 3, channels: 16, numConvs: 1, upScale: 4, kernelSize: 1 } },
  setr_pup: { backbone: VIT, head: { type: "setr_up", inIndex: 3, channels: 16, numConvs: 4, upScale: 2, kernelSize: 3 } },
  setr_mla: {
    backbone: { ...VIT, withClsToken: false }, neck: { type: "mla", outChannels: 16 }, head: { type: "setr_mla", inIndex: [0, 1, 2, 3], mlaChannels: 8 },
  },
};

test("fixture records the reference repositories and commits", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(metadata.timm_repository, "github:huggingface/pytorch-image-models");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(metadata.timm_commit, /^[0-9a-f]{40}$/);
});

for (const name of Object.keys(REDUCED)) {
  test(`${name} (reduced): reference keys, logits and gradients`, () => {
    checkParity(build<Segmentor>("model", { type: "encoder_decoder", numClasses: 5, ...REDUCED[name] }), fixture, name, [2, 5, 23, 29]);
  });
}

// The configs' auxiliary heads at the fixture's widths.
const AUXILIARY: Record<string, Record<string, unknown>[]> = {
  setr_pup: [0, 1, 2].map((inIndex) => ({ type: "setr_up", inIndex, channels: 16, numConvs: 1, upScale: 4, kernelSize: 3 })),
  setr_mla: [0, 1, 2, 3].map((inIndex) => ({ type: "mmseg_fcn", inIndex, channels: 16, numConvs: 0, kernelSize: 1, concatInput: false, dropoutRatio: 0 })),
};

for (const name of Object.keys(AUXILIARY)) {
  test(`${name} with auxiliary heads (reduced): reference keys, auxiliary logits, weighted loss parts and gradients`, () => {
    const start = torch.liveTensors();
    const model = build<EncoderDecoder>("model", { type: "encoder_decoder", numClasses: 5, ...REDUCED[name], auxiliary: AUXILIARY[name] });
    const prefix = `${name}_aux`;
    loadReference(model, fixture, prefix);
    model.eval();
    const x = golden.get("input")!;
    torch.tidy(() => torch.noGrad(() => {
      const features = model.features(x);
      model.auxiliary.forEach((head, i) => {
        const diff = relativeDifference(head.call(features), golden.get(`${prefix}.aux.${i}`)!);
        assert.ok(diff <= 1e-4, `auxiliary ${i}: relative difference ${diff}`);
      });
    }));
    const expected = JSON.parse(metadata[`${prefix}.losses`]) as Record<string, number>;
    torch.tidy(() => {
      const { loss, parts } = model.forwardTrain(x, golden.get("target")!);
      assert.deepEqual(Object.keys(parts).sort(), Object.keys(expected).sort());
      for (const [part, value] of Object.entries(parts)) assert.ok(Math.abs(value.item() - expected[part]) <= 1e-4 * expected[part], `${part}: ${value.item()} vs ${expected[part]}`);
      loss.backward();
    });
    checkGradients(model, golden, `${prefix}.`, JSON.parse(metadata[`${prefix}.nograd`]) as string[]);
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

// The SETR paper (Zheng et al. 2021, Table 2) lists 305.67M / 318.31M / 310.57M for naive / PUP / MLA
// with its own class counts and sizes; the reference here is mmsegmentation's composition at 150
// classes with the 512×512 backbone (32×32 position grid), counted by the fixture script.
test("full-size parameter counts equal the reference composition's (150 classes, with and without auxiliary heads)", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "setr_naive_vit_l16", numClasses: 150 }), counts.setr_naive);
  assert.equal(countParameters({ type: "setr_naive_vit_l16", numClasses: 150, auxLoss: true }), counts.setr_naive_aux);
  assert.equal(countParameters({ type: "setr_pup_vit_l16", numClasses: 150 }), counts.setr_pup);
  assert.equal(countParameters({ type: "setr_pup_vit_l16", numClasses: 150, auxLoss: true }), counts.setr_pup_aux);
  assert.equal(countParameters({ type: "setr_mla_vit_l16", numClasses: 150 }), counts.setr_mla);
  assert.equal(countParameters({ type: "setr_mla_vit_l16", numClasses: 150, auxLoss: true }), counts.setr_mla_aux);
});

test("setr options are checked", () => {
  assert.throws(() => build("head", { type: "setr_up", numClasses: 3, inChannels: 8, kernelSize: 5 }), /SETRUpHead: kernelSize must be 1 or 3, got 5/);
  assert.throws(() => build("head", { type: "setr_mla", numClasses: 3, inChannels: [8, 8] }), /SETRMLAHead: inChannels must list one width per input \(4\)/);
  assert.throws(() => build("head", { type: "mmseg_fcn", numClasses: 3, inChannels: 8, channels: 16, numConvs: 0 }), /MmsegFCNHead: without convs, channels \(16\) must equal inChannels \(8\)/);
  const neck = build<MLANeck>("neck", { type: "mla", inChannels: [8, 8] });
  assert.throws(() => torch.tidy(() => neck.forward([torch.zeros([1, 8, 2, 2])])), /MLANeck: expected 2 feature maps, got 1/);
  neck.dispose();
});
