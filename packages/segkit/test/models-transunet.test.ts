// TransUNet against the authors' code (github:Beckschen/TransUNet, run by
// fixtures/transunet_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): a reduced
// R50-ViT-B_16 configuration loads the authors' state dict by their key names with no missing or
// unexpected keys, and on a 48×48 input (whose 11×11 block1 map is zero-padded to 12×12 for its skip,
// as theirs) its logits and gradients agree within 1e-4 relative. The authors' forward adds a fixed
// position embedding of (img_size / 16)² entries and reads the grid as a square, so the input is the
// configured size: the hybrid's position-embedding resampling is proven against timm in
// models-vit-hybrid.test.ts. The full-size count equals the authors' code's. Its ONNX export is tested in
// models-vit-export.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, disposeState, loadReference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/transunet_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
// The fixture's reduced configuration (width factor 0.5: a 32-wide stem, stages of 128, 256, 512).
const REDUCED = {
  type: "transunet_r50_vit_b16", numClasses: 5, imgSize: 48, embedDim: 32, depth: 2, numHeads: 4, mlpDim: 64,
  resnet: { layers: [2, 2, 2], channels: [128, 256, 512], stemChannels: 32 }, decoderChannels: [32, 16, 16, 8],
};

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:Beckschen/TransUNet");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("transunet (reduced): the authors' keys, logits and gradients", () => {
  const start = torch.liveTensors();
  const model = build<Segmentor>("model", REDUCED);
  loadReference(model, fixture, "transunet");
  model.eval();
  const output = model.call(fixture.tensors.get("input")!);
  assert.deepEqual(output.shape, [2, 5, 48, 48]);
  checkOutputsAndGradients(model, fixture, "transunet", [output]);
  // The key biases' gradients are zero but for rounding, on both sides: negligible next to the query biases'.
  const own = model.stateDict();
  const zero = JSON.parse(metadata["transunet.zerograd"]) as string[];
  assert.equal(zero.length, 2);
  for (const key of zero) {
    const [noise, scale] = torch.tidy(() => [own.get(key)!.grad!.abs().max().item(), own.get(key.replace(".key.", ".query."))!.grad!.abs().max().item()]);
    assert.ok(noise <= 1e-5 * scale, `${key}: gradient ${noise} against ${scale}`);
  }
  output.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

// The paper (Chen et al. 2021) gives no parameter count; the authors' R50-ViT-B_16 as train.py builds
// it (224², 3 skips, Synapse's 9 classes), counted by the fixture script, is the reference.
test("full-size transunet_r50_vit_b16 count equals the authors' code's (9 classes, 224²), counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "transunet_r50_vit_b16", numClasses: 9 }), counts.transunet_r50_vit_b16_synapse);
  assert.equal(counts.transunet_r50_vit_b16_synapse, 105_277_081);
});

test("another grid resamples the position embedding; sides must be multiples of 16", () => {
  const model = build<Segmentor>("model", REDUCED).eval();
  const out = torch.tidy(() => model.predict(torch.zeros([1, 3, 64, 80])));
  assert.deepEqual(out.shape, [1, 5, 64, 80]);
  out.dispose();
  assert.throws(() => torch.tidy(() => model.predict(torch.zeros([1, 3, 48, 50]))), /TransUNet: input height and width must be multiples of 16 \(the divisor\), got 48×50/);
  model.dispose();
  assert.throws(() => build("model", { ...REDUCED, imgSize: 40 }), /TransUNet: imgSize must be a multiple of 16 \(the divisor\), got 40/);
  assert.throws(() => build("model", { ...REDUCED, skips: 4 }), /TransUNet: skips must be an integer from 0 to 3, got 4/);
  assert.throws(() => build("model", { ...REDUCED, resnet: { layers: [2, 2] } }), /TransUNet: resnet.layers must list 3 stages/);
});

test("a checkpoint of another width names the first mismatching key and both shapes", () => {
  const narrow = build<Segmentor>("model", REDUCED);
  const wide = build<Segmentor>("model", { ...REDUCED, embedDim: 48 });
  assert.throws(() => narrow.loadStateDict(wide.stateDict()), /shape mismatch for transformer\.embeddings\.position_embeddings: checkpoint \[1,9,48\], module \[1,9,32\]/);
  narrow.dispose();
  wide.dispose();
});

// timm's reduced hybrid of vit_hybrid_golden.safetensors (its seeded state by timm's key table) into a
// TransUNet of the same widths: every encoder key is filled, nothing is left over, and the tensors
// that are not renamed (qkv split, position embedding without the class token) hold the right values.
test("timm's hybrid weights convert to TransUNet's encoder (key map transunet_timm)", () => {
  const hybrid = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/vit_hybrid_golden.safetensors", import.meta.url)));
  const timm = seededState(JSON.parse(hybrid.metadata["hybrid.keys"]) as KeyTable, 0);
  for (const t of hybrid.tensors.values()) t.dispose();
  const converted = keyMapNamed("transunet_timm", "test")(timm, "timm");
  const model = build<Segmentor>("model", { ...REDUCED, imgSize: 32, mlpDim: 128 });
  const { missingKeys, unexpectedKeys, mismatchedKeys } = model.loadStateDict(converted, { strict: false });
  assert.deepEqual([unexpectedKeys, mismatchedKeys], [[], []]);
  assert.ok(missingKeys.length > 0 && missingKeys.every((k) => /^(decoder|segmentation_head)\./.test(k)), `missing: ${missingKeys.filter((k) => k.startsWith("transformer.")).join(", ")}`);
  const own = model.stateDict();
  torch.tidy(() => {
    const qkv = timm.get("blocks.1.attn.qkv.weight")!;
    assert.ok(own.get("transformer.encoder.layer.1.attn.value.weight")!.equal(qkv.slice(0, 64, 96)));
    assert.ok(own.get("transformer.embeddings.position_embeddings")!.equal(timm.get("pos_embed")!.slice(1, 1)));
    assert.ok(own.get("transformer.embeddings.hybrid_model.body.block2.unit1.gn_proj.weight")!.equal(timm.get("patch_embed.backbone.stages.1.blocks.0.downsample.norm.weight")!));
  });
  model.dispose();
  const resized = build<torch.StateMap>("keymap", { type: "transunet_timm", grid: 3 })(timm, "timm");
  assert.deepEqual(resized.get("transformer.embeddings.position_embeddings")!.shape, [1, 9, 32]);
  const passed = new Set(timm.values());
  for (const t of new Set([...converted.values(), ...resized.values()])) if (!passed.has(t)) t.dispose();
  disposeState(timm);
  const bad = new Map([["blocks.0.attn.qkv.scale", torch.zeros([1])]]);
  assert.throws(() => keyMapNamed("transunet_timm", "test")(bad, "bad.pth"), /bad\.pth: transunet_timm: no TransUNet name for timm's key "blocks\.0\.attn\.qkv\.scale"/);
  assert.throws(() => build("keymap", { type: "transunet_timm", grid: 0 }, "--map"), /--map: grid must be a positive integer, got 0/);
  disposeState(bad);
});
