// The timm_hrnet key map against timm's own HRNet (github:huggingface/pytorch-image-models v0.9.16,
// run by fixtures/hrnet_timm_make_golden.py on PyTorch 1.13; seeded weights regenerated here): timm's
// state dict of a reduced HRNet loads into segkit's hrnet backbone through the map with no missing or
// unexpected key, and with timm's nearest fusion the four branch outputs and the gradients agree
// within 1e-4 relative; of timm's classification model only its head is left unused.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { keyMapNamed, type CascadeEncoderDecoder, type HRNet } from "../src/models/index.js";
import "../src/models/index.js";
import { REDUCED_HRNET_STAGES } from "./fixtures/hrnet_stages.js";
import { checkOutputsAndGradients, disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/hrnet_timm_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;


test("fixture records the reference repository, tag and commit", () => {
  assert.equal(metadata.repository, "github:huggingface/pytorch-image-models");
  assert.equal(metadata.tag, "v0.9.16");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("timm's HRNet weights load through timm_hrnet; with nearest fusion the branches and gradients match timm's", () => {
  const start = torch.liveTensors();
  const backbone = build<HRNet>("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES, fuseUpsample: "nearest" });
  const state = seededState(JSON.parse(metadata["timm_hrnet.keys"]) as KeyTable, 0);
  const renamed = keyMapNamed("timm_hrnet", "test")(state, "timm");
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
  const backbone = torch.withDefaultDevice("meta", () => build<HRNet>("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES }));
  const own = new Set(backbone.stateDict().keys());
  backbone.dispose();
  const map = keyMapNamed("timm_hrnet", "test").renameKey!;
  const keys = (JSON.parse(metadata["timm_hrnet_classifier.keys"]) as KeyTable).map(([k]) => k);
  const renamed = keys.map((k) => map(k, new Set(keys)));
  assert.deepEqual([...own].filter((k) => !renamed.includes(k)), [], "missing keys");
  const unused = renamed.filter((k) => !own.has(k));
  assert.ok(unused.length > 0);
  for (const k of unused) assert.match(k, /^(incre_modules|downsamp_modules|final_layer|classifier)\./);
});

test("ocrnet_hr18 starts from a timm classification checkpoint (pretrained, pretrainedMap timm_hrnet): every backbone weight, the head reported unused", () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-hrnet-timm-"));
  const file = join(dir, "timm_hrnet.safetensors");
  const state = seededState(JSON.parse(metadata["timm_hrnet_classifier.keys"]) as KeyTable, 0);
  torch.saveSafetensors(file, state);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on("warning", onWarning);
  const model = build<CascadeEncoderDecoder>("model", { type: "ocrnet_hr18", numClasses: 3, stages: REDUCED_HRNET_STAGES, channels: 16, ocrChannels: 8, pretrained: file, pretrainedMap: "timm_hrnet" });
  const own = model.stateDict();
  for (const [key, t] of state) {
    const mine = own.get(`backbone.${key}`);
    if (mine) assert.equal(torch.tidy(() => mine.sub(t).abs().max().item()), 0, key);
  }
  model.dispose();
  disposeState(state);
  rmSync(dir, { recursive: true, force: true });
  return new Promise<void>((resolve) => setImmediate(() => {
    process.off("warning", onWarning);
    assert.equal(warnings.length, 1);
    const unused = /keys the backbone does not use: (.*)$/.exec(warnings[0])![1].split(", ");
    assert.ok(unused.includes("incre_modules.0.0.conv1.weight") && unused.includes("classifier.weight"), warnings[0]);
    for (const k of unused) assert.match(k, /^(incre_modules|downsamp_modules|final_layer|classifier)\./);
    resolve();
  }));
});
