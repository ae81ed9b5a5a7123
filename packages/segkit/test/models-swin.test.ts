// Swin + UPerNet against timm's Swin Transformer (github:huggingface/pytorch-image-models v0.9.16) under
// mmsegmentation's UPerHead and FCNHead (github:open-mmlab/mmsegmentation), run by
// fixtures/swin_make_golden.py on PyTorch 1.13 with seeded weights regenerated here: a reduced
// upernet_swin_t (window 3, timm's shift-then-pad order) loads the reference's mmseg-style checkpoint
// through the mmseg_upernet key map with no missing or unexpected key, and on a 128×128 input (no
// multiple of window × patch: every stage grid padded, every odd block shifted and masked) the logits
// and the gradients agree within 1e-4 relative. Full-size counts equal timm's and the papers'.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type Segmentor, type SwinTransformer } from "../src/models/index.js";
import "../src/models/index.js";
import { checkParity } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/swin_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
const REDUCED = { embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 3, dropPathRate: 0 };

test("fixture records the reference repositories and commits", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(metadata.timm_repository, "github:huggingface/pytorch-image-models");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(metadata.timm_commit, /^[0-9a-f]{40}$/);
});

test("upernet_swin_t (reduced, timm's order): the reference's keys load by mmseg_upernet; logits and gradients match", () => {
  const model = build<Segmentor>("model", { type: "upernet_swin_t", numClasses: 4, headChannels: 32, auxChannels: 16, windowPadding: "shift_then_pad", ...REDUCED });
  const keyMap = keyMapNamed("mmseg_upernet", "test");
  checkParity(model, fixture, "upernet_swin", [1, 4, 128, 128], (key) => keyMap.renameKey!(key, new Set()));
});

test("the padding orders agree where no window needs padding, and differ where one does", () => torch.tidy(() => {
  torch.manualSeed(0);
  const mmseg = build<SwinTransformer>("backbone", { type: "swin_t", ...REDUCED }).eval();
  const timm = build<SwinTransformer>("backbone", { type: "swin_t", ...REDUCED, windowPadding: "shift_then_pad" }).eval();
  timm.loadStateDict(mmseg.stateDict());
  const difference = (size: number): number => {
    const x = torch.randn([1, 3, size, size]);
    return Math.max(...mmseg.forward(x).map((o, i) => o.sub(timm.forward(x)[i]).abs().max().item()));
  };
  assert.ok(difference(96) < 1e-6, "grids 24, 12, 6, 3: multiples of the window");
  assert.ok(difference(128) > 1e-3, "grids 32, 16, 8, 4: padded");
  mmseg.dispose();
  timm.dispose();
}));

// Published: Swin-T/S/B 28.3 / 49.6 / 87.8 M with the 1000-class head (timm's swin_*_patch4_window7_224;
// Liu et al. 2021, Table 1: 29 / 50 / 88 M); UperNet on ADE20K (150 classes, with the FCN auxiliary head)
// 60 / 81 / 121 M (Liu et al. 2021, Table 3; mmsegmentation's configs/swin/README.md cites the same
// models). The backbones' exact counts are timm's (fixture metadata). Counted on the meta device.
test("full-size parameter counts: backbones + classifier = timm's, UPerNet = the paper's (150 classes)", () => {
  const timm = JSON.parse(metadata.parameters) as Record<string, number>;
  const published: Record<string, [string, number, number]> = { t: ["tiny", 28.3, 60], s: ["small", 49.6, 81], b: ["base", 87.8, 121] };
  for (const [variant, [name, backboneMillions, upernetMillions]] of Object.entries(published)) {
    const backbone = torch.withDefaultDevice("meta", () => build<SwinTransformer>("backbone", { type: `swin_${variant}` }));
    const width = backbone.outChannels[3];
    const outNorms = 2 * backbone.outChannels.reduce((a, b) => a + b, 0);
    // timm's final norm (LayerNorm over the last width) and head (Linear(width, 1000)).
    const withClassifier = backbone.numParameters() - outNorms + 2 * width + width * 1000 + 1000;
    backbone.dispose();
    assert.equal(withClassifier, timm[`swin_${name}`], variant);
    assert.equal(Math.round(withClassifier / 1e5) / 10, backboneMillions, variant);
    const count = countParameters({ type: `upernet_swin_${variant}`, numClasses: 150 });
    assert.equal(Math.round(count / 1e6), upernetMillions, `upernet_swin_${variant}: ${count}`);
  }
});

test("swin takes any input size (padded patches, odd grids merged); options are checked", () => torch.tidy(() => {
  const model = build<SwinTransformer>("backbone", { type: "swin_t", ...REDUCED });
  assert.deepEqual(model.forward(torch.zeros([1, 3, 30, 45])).map((o) => o.shape), [[1, 16, 8, 12], [1, 32, 4, 6], [1, 64, 2, 3], [1, 128, 1, 2]]);
  assert.deepEqual(model.forward(torch.zeros([1, 3, 1, 1])).map((o) => o.shape), [[1, 16, 1, 1], [1, 32, 1, 1], [1, 64, 1, 1], [1, 128, 1, 1]]);
  assert.throws(() => model.forward(torch.zeros([3, 30, 45])), /SwinTransformer: expected an image batch \(N, C, H, W\), got \[3, 30, 45\]/);
  model.dispose();
  assert.throws(() => build("backbone", { type: "swin_t", depths: [2, 2, 6] }), /SwinTransformer: depths takes 4 values \(one per stage\), got \[2,2,6\]/);
  assert.throws(() => build("backbone", { type: "swin_t", numHeads: [3, 6, 12, 25] }), /WindowAttention: channels \(768\) must be a multiple of numHeads \(25\)/);
  assert.throws(() => build("backbone", { type: "swin_t", windowPadding: "both" }), /SwinTransformer: windowPadding must be "pad_then_shift" or "shift_then_pad", got "both"/);
  assert.throws(() => build("model", { type: "upernet_swin_t", numClasses: 3, depth: 3 }), /depth/);
}));
