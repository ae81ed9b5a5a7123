// The HRNet backbone against its authors' code (github:HRNet/HRNet-Semantic-Segmentation, branch
// HRNet-OCR, lib/models/seg_hrnet_ocr.py, run by fixtures/hrnet_authors_make_golden.py on PyTorch
// 1.13; seeded weights regenerated here): the authors' backbone keys are segkit's (their segmentation
// checkpoints' backbone part loads as it is), and with their fusion (fuseUpsample "aligned": bilinear
// with align_corners, their default) the four branches and the gradients agree within 1e-4 relative
// on a 75×101 input. Their OCR head is not mapped: it has conv biases before BatchNorm (conv3x3_ocr,
// aux_head) and align_corners resizing that mmseg's OCRHead, which segkit follows, has not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { HRNet } from "../src/models/index.js";
import "../src/models/index.js";
import { REDUCED_HRNET_STAGES } from "./fixtures/hrnet_stages.js";
import { checkOutputsAndGradients, disposeState, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/hrnet_authors_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;


const HEAD = /^(aux_head|conv3x3_ocr|ocr_gather_head|ocr_distri_head|cls_head)\./;

/** The authors' seeded state without their OCR head loads into `backbone` with no missing or unexpected key. */
function loadAuthorsBackbone(backbone: HRNet): void {
  const state = seededState(JSON.parse(metadata["hrnet.keys"]) as KeyTable, 0);
  const backboneState = new Map([...state].filter(([k]) => !HEAD.test(k)));
  assert.deepEqual(backbone.loadStateDict(backboneState, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  disposeState(state);
}

test("fixture records the reference repository, branch and commit", () => {
  assert.equal(metadata.repository, "github:HRNet/HRNet-Semantic-Segmentation");
  assert.equal(metadata.branch, "HRNet-OCR");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("the authors' backbone keys load unchanged; with aligned fusion the branches and gradients match theirs", () => {
  const start = torch.liveTensors();
  const backbone = build<HRNet>("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES, fuseUpsample: "aligned" });
  loadAuthorsBackbone(backbone);
  backbone.eval();
  const input = golden.get("input")!;
  const outputs = torch.tidy(() => backbone.call(input));
  assert.deepEqual(outputs.map((o) => o.shape), [[2, 4, 19, 26], [2, 8, 10, 13], [2, 16, 5, 7], [2, 24, 3, 4]]);
  checkOutputsAndGradients(backbone, fixture, "hrnet", outputs);
  for (const t of outputs) t.dispose();
  backbone.zeroGrad();
  // mmseg's fusion (the default) computes something else on a size that is no multiple of 32.
  backbone.dispose();
  const mmsegFusion = build<HRNet>("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES });
  loadAuthorsBackbone(mmsegFusion);
  mmsegFusion.eval();
  torch.tidy(() => {
    const finest = torch.noGrad(() => mmsegFusion.call(input)[0]);
    assert.ok(relativeDifference(finest, golden.get("hrnet.output.0")!) > 1e-3, "the fusion mode matters");
  });
  mmsegFusion.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("the authors' model is the backbone plus their OCR head, whose convs before BatchNorm carry biases", () => {
  const keys = (JSON.parse(metadata["hrnet.keys"]) as KeyTable).map(([k]) => k);
  const heads = keys.filter((k) => HEAD.test(k));
  assert.ok(heads.includes("conv3x3_ocr.0.bias") && heads.includes("aux_head.0.bias") && heads.includes("aux_head.1.running_mean"), heads.join(", "));
  const backbone = torch.withDefaultDevice("meta", () => build<HRNet>("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES }));
  assert.deepEqual(keys.filter((k) => !HEAD.test(k)).sort(), [...backbone.stateDict().keys()].sort());
  backbone.dispose();
});
