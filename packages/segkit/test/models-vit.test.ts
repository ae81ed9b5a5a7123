// ViT backbones against timm (github:huggingface/pytorch-image-models at v0.9.16, run by
// fixtures/vit_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): a reduced ViT
// loads timm's state dict with no missing or unexpected keys, and on a 23×29 input (padded to the patch,
// position embedding resampled from the 4×4 pretraining grid to 6×8) its block outputs and gradients
// agree within 1e-4 relative; attention over query slices equals attention whole; full-size parameter
// counts equal timm's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Backbone } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference, relativeDifference, seededState, disposeState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/vit_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
// The fixture's REDUCED ViT.
const REDUCED = { type: "vit", embedDim: 32, depth: 3, numHeads: 4, patchSize: 4, imgSize: 16, outIndices: [1, 2], posEmbedInterpolation: "bicubic-antialias" };

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:huggingface/pytorch-image-models");
  assert.equal(metadata.tag, "v0.9.16");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("vit (reduced): timm's keys, block outputs and gradients on a padded, resampled input", () => {
  const start = torch.liveTensors();
  const model = build<Backbone>("backbone", REDUCED);
  loadReference(model, fixture, "vit");
  model.eval();
  const outputs = model.call(golden.get("input")!) as torch.Tensor[];
  assert.deepEqual(outputs.map((o) => o.shape), [[2, 32, 6, 8], [2, 32, 6, 8]]);
  checkOutputsAndGradients(model, fixture, "vit", outputs);
  for (const t of outputs) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("attention over query slices equals attention whole, values and gradients", () => {
  const table = JSON.parse(metadata["vit.keys"]) as KeyTable;
  // 2 images × 4 heads × 49 keys: 400 elements hold 1 query per slice; the default holds all 49.
  const run = (chunkElements?: number) => {
    const model = build<Backbone>("backbone", { ...REDUCED, chunkElements });
    const state = seededState(table, 0);
    model.loadStateDict(state);
    disposeState(state);
    model.eval();
    const outputs = model.call(golden.get("input")!) as torch.Tensor[];
    torch.tidy(() => outputs[1].pow(2).mean().backward());
    const grad = model.stateDict().get("blocks.0.attn.qkv.weight")!.grad!.clone();
    model.dispose();
    return { output: outputs[1], grad };
  };
  const whole = run();
  const sliced = run(400);
  assert.ok(relativeDifference(sliced.output, whole.output) <= 1e-6, "outputs");
  assert.ok(relativeDifference(sliced.grad, whole.grad) <= 1e-5, "gradients");
  for (const t of [whole.output, whole.grad, sliced.output, sliced.grad]) t.dispose();
});

// Papers: DeiT-S 22M (Touvron et al. 2021, Table 1), ViT-B/16 86M and ViT-L/16 307M (Dosovitskiy et
// al. 2021, Table 1, with classifier); timm's exact counts without classifier are the reference here.
test("full-size parameter counts equal timm's (no classifier), counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  const count = (type: string) => torch.withDefaultDevice("meta", () => {
    const model = build<Backbone>("backbone", { type });
    try {
      return model.numParameters();
    } finally {
      model.dispose();
    }
  });
  assert.equal(count("deit_s16"), counts.deit_small_patch16_224);
  assert.equal(count("vit_b16"), counts.vit_base_patch16_224);
  assert.equal(count("vit_l16"), counts.vit_large_patch16_224);
});

test("bad input: an unpaddable size names the patch size, a checkpoint of another width names the key and both shapes", () => {
  const strict = build<Backbone>("backbone", { ...REDUCED, padToPatch: false });
  assert.throws(() => torch.tidy(() => strict.call(torch.zeros([1, 3, 23, 32]))), /multiples of the patch size 4 \(the divisor\) when padding is off, got 23×32/);
  strict.dispose();
  const narrow = build<Backbone>("backbone", REDUCED);
  const wide = build<Backbone>("backbone", { ...REDUCED, embedDim: 48 });
  assert.throws(() => narrow.loadStateDict(wide.stateDict()), /shape mismatch for cls_token: checkpoint \[1,1,48\], module \[1,1,32\]/);
  narrow.dispose();
  wide.dispose();
  assert.throws(() => build("backbone", { ...REDUCED, outIndices: [2, 1] }), /outIndices must be increasing block indices in 0\.\.2/);
  assert.throws(() => build("backbone", { ...REDUCED, numHeads: 5 }), /width \(32\) must be a multiple of the number of heads \(5\)/);
  assert.throws(() => build("backbone", { ...REDUCED, imgSize: 18 }), /imgSize must be a multiple of patchSize \(4\)/);
});
