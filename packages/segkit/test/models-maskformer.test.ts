// MaskFormer's network against the authors' code (github:facebookresearch/MaskFormer) with
// torchvision's ResNet as backbone, run by fixtures/maskformer_make_golden.py on Debian's torch 1.13
// with seeded weights regenerated here: reduced models (post-norm and pre-norm transformer) load the
// reference's state dict with no missing or unexpected keys, and on a 2×3×64×64 input every decoder
// layer's class and mask logits and the gradients of their mean squares agree within 1e-4 relative;
// the full-size count equals the reference's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import "../src/models/index.js";
import type { MaskFormer } from "../src/models/segmentors/maskformer/model.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/maskformer_golden.safetensors", import.meta.url));
const golden = torch.loadSafetensors(FIXTURE);
/** The fixture's reduced model (ResNet-18, 1 encoder and 3 decoder layers, 6 queries, 4 classes). */
const REDUCED = {
  type: "maskformer_r50", numClasses: 4, backbone: { type: "resnet18" }, convDim: 64, maskDim: 32, hiddenDim: 32, numQueries: 6, nHeads: 4,
  dimFeedforward: 64, encoderLayers: 1, decoderLayers: 3,
};

test("fixture records the reference repositories and commits", () => {
  assert.equal(golden.metadata.repository, "github:facebookresearch/MaskFormer");
  assert.equal(golden.metadata.mask2former_repository, "github:facebookresearch/Mask2Former");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(golden.metadata.mask2former_commit, /^[0-9a-f]{40}$/);
});

for (const [name, preNorm] of [["maskformer", false], ["maskformer_prenorm", true]] as const) {
  test(`${name} (reduced): reference keys, every layer's class and mask logits, gradients`, () => {
    const start = torch.liveTensors();
    const model = build<MaskFormer>("model", { ...REDUCED, preNorm });
    loadReference(model, golden, name);
    model.eval();
    const { logits, masks } = model.predictions(golden.tensors.get("input")!);
    assert.deepEqual(logits.shape, [3, 2, 6, 5]);
    assert.deepEqual(masks.shape, [3, 2, 6, 16, 16]);
    // Pre-norm: the first decoder layer normalises its all-zero queries, so its norm1 weight's gradient is exactly zero.
    const vanishing = preNorm ? ["sem_seg_head.predictor.transformer.decoder.layers.0.norm1.weight"] : [];
    checkOutputsAndGradients(model, golden, name, [logits, masks], { vanishing });
    // The per-class maps forward gives: the last layer's masks upsampled to the input, then semantic inference.
    const maps = torch.noGrad(() => model.call(golden.tensors.get("input")!));
    assert.deepEqual(maps.shape, [2, 4, 64, 64]);
    for (const t of [logits, masks, maps]) t.dispose();
    model.zeroGrad();
    model.dispose();
    assert.ok(torch.liveTensors() <= start, "every tensor is freed");
  });
}

test("full-size maskformer_r50 (150 classes) has the reference's parameter count", () => {
  assert.equal(countParameters({ type: "maskformer_r50", numClasses: 150 }), Number(golden.metadata["maskformer_r50.parameters"]));
});

test("maskformer options and inputs are checked", () => {
  assert.throws(() => build("model", { type: "maskformer_r50", numClasses: 3, numQueries: 0 }), /"numQueries" must be an integer ≥ 1, got 0/);
  assert.throws(() => build("model", { ...REDUCED, hiddenDim: 30 }), /width \(30\) must be a multiple of the number of heads \(4\)/);
  assert.throws(() => build("model", { type: "maskformer_r50", numClasses: 3, queries: 5 }), /queries/);
  const model = build<MaskFormer>("model", { ...REDUCED });
  const x = torch.zeros([1, 3, 40, 64]);
  assert.throws(() => model.predictions(x), /multiples of 32/);
  x.dispose();
  model.dispose();
});
