// mmpretrain's own ConvNeXt (the backbone mmsegmentation's upernet_convnext configs build) under
// mmseg's UPerHead, run by fixtures/mmseg_convnext_make_golden.py on PyTorch 1.13 with seeded weights
// regenerated here under mmseg's key names (downsample_layers.*, stages.N.M.{depthwise_conv,
// pointwise_conv1,...}, norm0..3): a reduced upernet_convnext_t loads them through the registered key
// map mmseg_convnext with no key missing or left over, and on a 2×3×75×101 input the logits agree
// within 1e-4 relative, and so do the gradients of mean(logits²). A checkpoint with a key the map
// cannot place, or from a wider variant, names the key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { keyMapNamed, type Segmentor } from "../src/models/index.js";
import { checkOutputsAndGradients, disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const fixture = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/mmseg_convnext_golden.safetensors", import.meta.url)));
const { metadata } = fixture;
const REDUCED = { type: "upernet_convnext_t", numClasses: 5, headChannels: 32, auxChannels: 16, dims: [16, 32, 48, 64], depths: [2, 2, 2, 2], dropPathRate: 0 };
const fromMmseg = keyMapNamed("mmseg_convnext", "test");

test("fixture records the reference repositories and commits", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(metadata.mmpretrain_repository, "github:open-mmlab/mmpretrain");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(metadata.mmpretrain_commit, /^[0-9a-f]{40}$/);
});

test("upernet_convnext_t (reduced) loads mmpretrain's ConvNeXt checkpoint through mmseg_convnext; logits and gradients match mmseg's", () => {
  const table = JSON.parse(metadata["upernet_convnext.keys"]) as KeyTable;
  assert.ok(table.some(([key]) => key === "backbone.downsample_layers.3.1.weight") && table.some(([key]) => key === "backbone.stages.1.1.pointwise_conv2.weight"));
  const mmseg = seededState(table, 0);
  const converted = fromMmseg(mmseg, "mmseg");
  // fromMmseg keeps the order of the keys: mmseg's name → segkit's.
  const segkitName = new Map([...mmseg.keys()].map((k, i) => [k, [...converted.keys()][i]]));
  const model = build<Segmentor>("model", REDUCED);
  assert.deepEqual(model.loadStateDict(converted, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  torch.disposeStates(mmseg, converted);
  model.eval();
  torch.tidy(() => {
    checkOutputsAndGradients(model, fixture, "upernet_convnext", [model.forward(fixture.tensors.get("input")!)], { ownKey: (key) => segkitName.get(key) ?? key });
  });
  model.zeroGrad();
  model.dispose();
});

test("a key mmseg_convnext cannot place, or a checkpoint of another width, is named", () => {
  const odd = new Map([["backbone.stages.0.0.grn.gamma", torch.zeros([1])]]);
  assert.throws(() => fromMmseg(odd, "odd.pth"), /odd\.pth: mmseg_convnext: no segkit ConvNeXt name for mmseg's key "backbone\.stages\.0\.0\.grn\.gamma"/);
  disposeState(odd);
  const mmseg = seededState(JSON.parse(metadata["upernet_convnext.keys"]) as KeyTable, 0);
  const converted = fromMmseg(mmseg, "mmseg");
  const wider = build<Segmentor>("model", { ...REDUCED, dims: [24, 32, 48, 64] });
  assert.throws(() => wider.loadStateDict(converted), /backbone\.stem\.0\.weight/);
  torch.disposeStates(mmseg, converted);
  wider.dispose();
});
