// ConvNeXt + UPerNet against timm's ConvNeXt (github:huggingface/pytorch-image-models v0.9.16) under
// mmsegmentation's UPerHead and FCNHead (github:open-mmlab/mmsegmentation), run by
// fixtures/convnext_make_golden.py on PyTorch 1.13 with seeded weights regenerated here: a reduced
// upernet_convnext_t loads the reference's mmseg-style checkpoint through the mmseg_upernet key map
// with no missing or unexpected key, and on a 75×101 input (no multiple of the stride 32) the logits
// and the gradients agree within 1e-4 relative. Full-size counts equal timm's and the papers'.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type ConvNeXt, type Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkParity } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/convnext_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
const REDUCED = { dims: [16, 32, 48, 64], depths: [2, 2, 2, 2], dropPathRate: 0 };

test("fixture records the reference repositories and commits", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(metadata.timm_repository, "github:huggingface/pytorch-image-models");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(metadata.timm_commit, /^[0-9a-f]{40}$/);
});

test("upernet_convnext_t (reduced): the reference's keys load by mmseg_upernet; logits and gradients match", () => {
  const model = build<Segmentor>("model", { type: "upernet_convnext_t", numClasses: 5, headChannels: 32, auxChannels: 16, ...REDUCED });
  const keyMap = keyMapNamed("mmseg_upernet", "test");
  checkParity(model, fixture, "upernet_convnext", [2, 5, 75, 101], (key) => keyMap.renameKey!(key, new Set()));
});

// Published: ConvNeXt-T/S/B 28.59 / 50.22 / 88.59 M with the 1000-class head (mmsegmentation's
// configs/convnext/README.md; Liu et al. 2022 Table 1: 29 / 50 / 89 M); UperNet on ADE20K (150
// classes, with the FCN auxiliary head) 60 / 82 / 122 M (Liu et al. 2022, Table 3). The backbones'
// exact counts are timm's (fixture metadata). Counted on the meta device.
test("full-size parameter counts: backbones + classifier = timm's, UPerNet = the paper's (150 classes)", () => {
  const timm = JSON.parse(metadata.parameters) as Record<string, number>;
  const published: Record<string, [string, number, number]> = { t: ["tiny", 28.59, 60], s: ["small", 50.22, 82], b: ["base", 88.59, 122] };
  for (const [variant, [name, backboneMillions, upernetMillions]] of Object.entries(published)) {
    const backbone = torch.withDefaultDevice("meta", () => build<ConvNeXt>("backbone", { type: `convnext_${variant}` }));
    const width = backbone.outChannels[3];
    const outNorms = 2 * backbone.outChannels.reduce((a, b) => a + b, 0);
    // timm's head: LayerNorm over the last width, then Linear(width, 1000).
    const withClassifier = backbone.numParameters() - outNorms + 2 * width + width * 1000 + 1000;
    backbone.dispose();
    assert.equal(withClassifier, timm[`convnext_${name}`], variant);
    assert.equal(Math.round(withClassifier / 1e4) / 100, backboneMillions, variant);
    const count = countParameters({ type: `upernet_convnext_${variant}`, numClasses: 150 });
    assert.equal(Math.round(count / 1e6), upernetMillions, `upernet_convnext_${variant}: ${count}`);
  }
});

test("convnext input and options are checked", () => torch.tidy(() => {
  const model = build<ConvNeXt>("backbone", { type: "convnext_t", ...REDUCED });
  assert.throws(() => model.forward(torch.zeros([1, 3, 31, 40])), /ConvNeXt: input 31×40 is too small; the stem and three downsamplings \(stride 32\) need height and width of at least 32/);
  assert.deepEqual(model.forward(torch.zeros([1, 3, 32, 47])).map((o) => o.shape), [[1, 16, 8, 11], [1, 32, 4, 5], [1, 48, 2, 2], [1, 64, 1, 1]]);
  model.dispose();
  assert.throws(() => build("backbone", { type: "convnext_t", depths: [3, 3, 9] }), /ConvNeXt: depths takes 4 values \(one per stage\), got \[3,3,9\]/);
  assert.throws(() => build("backbone", { type: "convnext_t", dropPathRate: 1 }), /ConvNeXt: dropPathRate must be in \[0, 1\), got 1/);
  assert.throws(() => build("model", { type: "upernet_convnext_t", numClasses: 3, depth: 3 }), /depth/);
}));
