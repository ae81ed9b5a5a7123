// The timm_hrnet key map against timm's own HRNet (github:huggingface/pytorch-image-models v0.9.16,
// run by fixtures/hrnet_timm_make_golden.py on PyTorch 1.13; seeded weights regenerated here): timm's
// state dict of a reduced HRNet loads into segkit's hrnet backbone through the map with no missing or
// unexpected key, and with timm's nearest fusion the four branch outputs and the gradients agree
// within 1e-4 relative; of timm's classification model only its head is left unused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { keyMapNamed, type HRNet, type HRStage } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/hrnet_timm_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;

// The fixture's REDUCED layout.
const STAGES: HRStage[] = [
  { modules: 1, blocks: [1], channels: [8] },
  { modules: 1, blocks: [1, 1], channels: [4, 8] },
  { modules: 2, blocks: [1, 1, 1], channels: [4, 8, 16] },
  { modules: 2, blocks: [1, 1, 1, 1], channels: [4, 8, 16, 24] },
];

test("fixture records the reference repository, tag and commit", () => {
  assert.equal(metadata.repository, "github:huggingface/pytorch-image-models");
  assert.equal(metadata.tag, "v0.9.16");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("timm's HRNet weights load through timm_hrnet; with nearest fusion the branches and gradients match timm's", () => {
  const start = torch.liveTensors();
  const backbone = build<HRNet>("backbone", { type: "hrnet_w18", stages: STAGES, fuseUpsample: "nearest" });
  const state = seededState(JSON.parse(metadata["timm_hrnet.keys"]) as KeyTable, 0);
  const renamed = torch.renameKeys(state, keyMapNamed("timm_hrnet", "test"), "timm");
  assert.deepEqual(backbone.loadStateDict(renamed, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  disposeState(state);
  backbone.eval();
  const outputs = torch.tidy(() => backbone.call(golden.get("input")!));
  assert.deepEqual(outputs.map((o) => o.shape), [[2, 4, 16, 24], [2, 8, 8, 12], [2, 16, 4, 6], [2, 24, 2, 3]]);
  checkOutputsAndGradients(backbone, fixture, "timm_hrnet", outputs);
  for (const t of outputs) t.dispose();
  backbone.zeroGrad();
  backbone.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("of timm's classification HRNet only the classification head is unused, and no backbone key is missing", () => {
  const backbone = torch.withDefaultDevice("meta", () => build<HRNet>("backbone", { type: "hrnet_w18", stages: STAGES }));
  const own = new Set(backbone.stateDict().keys());
  backbone.dispose();
  const map = keyMapNamed("timm_hrnet", "test");
  const keys = (JSON.parse(metadata["timm_hrnet_classifier.keys"]) as KeyTable).map(([k]) => k);
  const renamed = keys.map((k) => map(k, new Set(keys)));
  assert.deepEqual([...own].filter((k) => !renamed.includes(k)), [], "missing keys");
  const unused = renamed.filter((k) => !own.has(k));
  assert.ok(unused.length > 0);
  for (const k of unused) assert.match(k, /^(incre_modules|downsamp_modules|final_layer|classifier)\./);
});
