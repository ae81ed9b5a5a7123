// mmsegmentation's own Swin Transformer (mmseg/models/backbones/swin.py) under its UPerHead, run by
// fixtures/mmseg_swin_make_golden.py on PyTorch 1.13 with seeded weights regenerated here under
// mmseg's key names (stages.N.blocks.M.attn.w_msa.*, ffn.layers.*, patch merging in nn.Unfold's
// channel order, relative_position_index buffers): a reduced upernet_swin_t (segkit's default
// pad-then-shift order, mmseg's) loads them through the registered key map mmseg_swin with no key
// missing or left over, and on a 100×100 input (no multiple of window × patch) the logits agree within
// 1e-4 relative, and so do the gradients of mean(logits²) (the patch-merging ones compared in mmseg's
// nn.Unfold channel order, the same reorder the weights take). A checkpoint with a key the map cannot place, or from a wider variant, names the key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { keyMapNamed, type Segmentor } from "../src/models/index.js";
import { checkOutputsAndGradients, disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const fixture = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/mmseg_swin_golden.safetensors", import.meta.url)));
const { metadata } = fixture;
const REDUCED = { type: "upernet_swin_t", numClasses: 4, headChannels: 32, auxChannels: 16, embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 3, dropPathRate: 0 };
const fromMmseg = keyMapNamed("mmseg_swin", "test");

/** A patch-merging gradient from segkit's channel order (col, row, c) back to nn.Unfold's (c, row, col), along its last dimension. */
function toUnfoldOrder(t: torch.Tensor): torch.Tensor {
  const lead = t.shape.slice(0, -1);
  const channels = t.shape[t.shape.length - 1] / 4;
  const d = lead.length;
  return t.reshape([...lead, 2, 2, channels]).permute([...lead.keys(), d + 2, d + 1, d]).reshape([...lead, 4 * channels]);
}

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("upernet_swin_t (reduced) loads mmseg's Swin checkpoint through mmseg_swin; logits and gradients match mmseg's", () => {
  const table = JSON.parse(metadata["upernet_swin.keys"]) as KeyTable;
  assert.ok(table.some(([key]) => key.endsWith("downsample.reduction.weight")) && table.some(([key]) => key.endsWith("relative_position_index")));
  const mmseg = seededState(table, 0);
  const converted = fromMmseg(mmseg, "mmseg");
  // fromMmseg keeps the order of the keys it places (all but the index buffers): mmseg's name → segkit's.
  const segkitName = new Map([...mmseg.keys()].filter((k) => !k.endsWith("relative_position_index")).map((k, i) => [k, [...converted.keys()][i]]));
  const model = build<Segmentor>("model", REDUCED);
  assert.deepEqual(model.loadStateDict(converted, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  torch.disposeStates(mmseg, converted);
  model.eval();
  torch.tidy(() => {
    checkOutputsAndGradients(model, fixture, "upernet_swin", [model.forward(fixture.tensors.get("input")!)], {
      ownKey: (key) => segkitName.get(key) ?? key,
      referenceLayout: (key, grad) => (/\.downsample\.(reduction|norm)\./.test(key) ? toUnfoldOrder(grad) : grad),
    });
  });
  model.zeroGrad();
  model.dispose();
});

test("a key mmseg_swin cannot place, or a checkpoint of another width, is named", () => {
  const odd = new Map([["backbone.stages.0.blocks.0.attn.w_msa.scale", torch.zeros([1])]]);
  assert.throws(() => fromMmseg(odd, "odd.pth"), /odd\.pth: mmseg_swin: no segkit Swin name for mmseg's key "backbone\.stages\.0\.blocks\.0\.attn\.w_msa\.scale"/);
  disposeState(odd);
  const mmseg = seededState(JSON.parse(metadata["upernet_swin.keys"]) as KeyTable, 0);
  const converted = fromMmseg(mmseg, "mmseg");
  const wider = build<Segmentor>("model", { ...REDUCED, embedDim: 24 });
  assert.throws(() => wider.loadStateDict(converted), /backbone\.patch_embed\.proj\.weight/);
  torch.disposeStates(mmseg, converted);
  wider.dispose();
});
