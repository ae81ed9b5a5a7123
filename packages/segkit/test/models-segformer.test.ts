// SegFormer against the authors' code (github:NVlabs/SegFormer, run by fixtures/segformer_make_golden.py
// on PyTorch 1.13 with small stand-ins for mmcv and timm; seeded weights regenerated here): a reduced
// MiT (2 blocks per stage, sequence reduction 8/4/2/1) with the all-MLP head loads the authors' state
// dict through the official → Hugging Face key map with no missing or unexpected keys, and on a
// 75×101 input (no multiple of the patching's strides) the logits, the four feature maps and every
// gradient agree within 1e-4 relative. Full-size parameter counts equal the authors' code's and the paper's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { convertWeights } from "../src/engine/convert-weights.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type SegFormer } from "../src/models/index.js";
import "../src/models/index.js";
import { disposeState, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/segformer_golden.safetensors", import.meta.url));
const { tensors: golden, metadata } = torch.loadSafetensors(FIXTURE);
const tmp = mkdtempSync(join(tmpdir(), "segkit-segformer-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// The fixture's REDUCED model.
const REDUCED = {
  type: "segformer_b0", numClasses: 5, embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], depths: [2, 2, 2, 2],
  srRatios: [8, 4, 2, 1], mlpRatio: 4, decoderChannels: 32, dropPathRate: 0,
};

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:NVlabs/SegFormer");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

const fromOfficial = keyMapNamed("segformer_official", "test");

test("segformer (reduced): the authors' weights load by key map; logits, features and gradients match", () => {
  const start = torch.liveTensors();
  const model = build<SegFormer>("model", REDUCED);
  const official = seededState(JSON.parse(metadata["segformer.keys"]) as KeyTable, 0);
  torch.tidy(() => {
    const { missingKeys, unexpectedKeys } = model.loadStateDict(fromOfficial(official, "official"), { strict: false });
    assert.deepEqual({ missingKeys, unexpectedKeys }, { missingKeys: [], unexpectedKeys: [] });
  });
  disposeState(official);
  model.eval();
  const input = golden.get("input")!;
  torch.tidy(() => {
    const outputs = [model.forward(input), ...model.segformer.forward(input)];
    assert.deepEqual(outputs.map((o) => o.shape), [[2, 5, 75, 101], [2, 16, 19, 26], [2, 32, 10, 13], [2, 48, 5, 7], [2, 64, 3, 4]]);
    outputs.forEach((out, i) => {
      const diff = relativeDifference(out, golden.get(`segformer.output.${i}`)!);
      assert.ok(diff <= 1e-4, `output ${i}: relative difference ${diff}`);
    });
    outputs.map((o) => o.pow(2).mean()).reduce((a, b) => a.add(b)).backward();
    // The reference's gradients are under its key names; the key map renames them (and splits kv) as it does weights.
    const officialGrads = new Map([...golden].filter(([k]) => k.startsWith("segformer.grad.")).map(([k, g]) => [k.slice("segformer.grad.".length), g]));
    const expected = fromOfficial(officialGrads, "official gradients");
    const own = model.namedParameters();
    assert.deepEqual([...expected.keys()].sort(), [...own.keys()].sort(), "every parameter has a reference gradient");
    for (const [key, grad] of expected) {
      if (key.endsWith(".attention.self.key.bias")) {
        // Zero in exact arithmetic: q·(k + b) adds q·b to every key's score for a query, which softmax
        // removes. Both sides hold rounding noise, far below the value bias's gradient.
        const scale = expected.get(key.replace(".key.bias", ".value.bias"))!.abs().max().item();
        for (const g of [own.get(key)!.grad!, grad]) assert.ok(g.abs().max().item() <= 1e-5 * scale, `${key}: ${g.abs().max().item()} vs ${scale}`);
        continue;
      }
      const diff = relativeDifference(own.get(key)!.grad!, grad);
      assert.ok(diff <= 1e-4, `gradient of ${key}: relative difference ${diff}`);
    }
    assert.deepEqual(JSON.parse(metadata["segformer.nograd"]), ["decode_head.conv_seg.bias", "decode_head.conv_seg.weight"],
      "only mmseg's unused conv_seg has no gradient in the reference (the key map drops it)");
  });
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

// Xie et al. 2021, "SegFormer: Simple and Efficient Design for Semantic Segmentation with
// Transformers", Table 2 (ADE20K, 150 classes): B0 3.8 M … B5 84.7 M parameters. Counted on the meta
// device, as `segkit models` does; the exact numbers are the authors' code's (fixture metadata).
test("full-size parameter counts equal the authors' code and the paper (150 classes)", () => {
  const reference = JSON.parse(metadata.parameters) as Record<string, number>;
  const paper: Record<string, number> = { segformer_b0: 3.8, segformer_b1: 13.7, segformer_b2: 27.5, segformer_b3: 47.3, segformer_b4: 64.1, segformer_b5: 84.7 };
  for (const [name, millions] of Object.entries(paper)) {
    const count = countParameters({ type: name, numClasses: 150 });
    assert.equal(count, reference[name], name);
    assert.equal(Math.round(count / 1e5) / 10, millions, `${name}: ${count}`);
  }
});

test("inputs too small for the sequence reduction name the minimum size", () => {
  const model = build<SegFormer>("model", REDUCED);
  torch.tidy(() => {
    assert.throws(() => model.forward(torch.zeros([1, 3, 28, 64])), /MixVisionTransformer: input 28×64 is too small; with sequence reduction ratios \[8,4,2,1\] at strides \[4,8,16,32\] height and width must be at least 29/);
    assert.deepEqual(model.forward(torch.zeros([1, 3, 29, 29])).shape, [1, 5, 29, 29]);
  });
  model.dispose();
});

test("a checkpoint of another variant names the first mismatching key and both shapes", () => {
  const wider = build<SegFormer>("model", { ...REDUCED, embedDims: [32, 32, 48, 64] });
  const path = join(tmp, "wider.safetensors");
  wider.save(path);
  wider.dispose();
  const model = build<SegFormer>("model", REDUCED);
  assert.throws(() => model.load(path), (err: Error) => {
    assert.match(err.message, /wider\.safetensors: SegFormer\.loadStateDict: shape mismatch for segformer\.encoder\.patch_embeddings\.0\.proj\.weight: checkpoint \[32,3,7,7\], module \[16,3,7,7\]/);
    return true;
  });
  model.dispose();
});

test("segformer_official through segkit convert --map and Module.load's keyMap: the split checkpoint loads with nothing missing or left over", () => {
  const official = seededState(JSON.parse(metadata["segformer.keys"]) as KeyTable, 0);
  const original = join(tmp, "official.pth");
  const converted = join(tmp, "hf.safetensors");
  torch.saveWeights(original, official);
  disposeState(official);
  const summary = convertWeights(original, converted, "segformer_official");
  const model = build<SegFormer>("model", REDUCED);
  const nothingWrong = { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] };
  assert.deepEqual(model.load(converted), nothingWrong);
  assert.deepEqual(model.load(original, { keyMap: fromOfficial }), nothingWrong);
  assert.equal(summary.tensors, model.stateDict().size);
  model.dispose();
});

test("the key map names a key it does not know", () => {
  torch.tidy(() => {
    const state = new Map([["backbone.block1.0.attn.qkv.weight", torch.zeros([3, 1])]]);
    assert.throws(() => fromOfficial(state, "a.pth"), /a\.pth: segformer_official: unknown block key "backbone\.block1\.0\.attn\.qkv\.weight"/);
    assert.throws(() => fromOfficial(new Map([["neck.weight", torch.zeros([1])]]), "b.pth"), /b\.pth: segformer_official: no Hugging Face name for the official key "neck\.weight"/);
  });
});

test("segformer options are checked", () => {
  assert.throws(() => build("model", { type: "segformer_b0", numClasses: 3, depths: [2, 2, 2] }), /MixVisionTransformer: depths takes 4 values \(one per stage\), got \[2,2,2\]/);
  assert.throws(() => build("model", { type: "segformer_b0", numClasses: 3, numHeads: [1, 2, 3, 8] }), /EfficientSelfAttention: channels \(160\) must be a multiple of numHeads \(3\)/);
  assert.throws(() => build("model", { type: "segformer_b0", numClasses: 3, decoderChannels: 0 }), /SegFormer: decoderChannels must be integer ≥ 1, got 0/);
  assert.throws(() => build("model", { type: "segformer_b0", numClasses: 3, dropPathRate: 1 }), /dropPathRate must be in \[0, 1\), got 1/);
});
