// MaskFormer's network against the authors' code (github:facebookresearch/MaskFormer) with
// torchvision's ResNet as backbone, run by fixtures/maskformer_make_golden.py on Debian's torch 1.13
// with seeded weights regenerated here: reduced models (BasePixelDecoder with a post-norm and a
// pre-norm transformer, TransformerEncoderPixelDecoder) load the reference's state dict with no
// missing or unexpected keys, and on a 2×3×64×64 input every decoder layer's class and mask logits
// and the gradients of their mean squares agree within 1e-4 relative; the full-size counts equal
// the reference's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import "../src/models/index.js";
import { classMasks, type MaskFormer } from "../src/models/segmentors/maskformer/model.js";
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

// BasePixelDecoder post- and pre-norm; TransformerEncoderPixelDecoder (maskformer_panoptic_r50's) with 2 encoder layers.
for (const [name, type, options] of [
  ["maskformer", "maskformer_r50", { preNorm: false }],
  ["maskformer_prenorm", "maskformer_r50", { preNorm: true }],
  ["maskformer_encoder", "maskformer_panoptic_r50", { pixelEncoderLayers: 2 }],
] as const) {
  test(`${name} (reduced): reference keys, every layer's class and mask logits, gradients`, () => {
    const start = torch.liveTensors();
    const preNorm = name === "maskformer_prenorm";
    const model = build<MaskFormer>("model", { ...REDUCED, type, ...options });
    loadReference(model, golden, name);
    model.eval();
    const { logits, masks } = model.predictions(golden.tensors.get("input")!);
    assert.deepEqual(logits.shape, [3, 2, 6, 5]);
    assert.deepEqual(masks.shape, [3, 2, 6, 16, 16]);
    // The first decoder layer's queries are all zero. Pre-norm normalises them, so its norm1 weight's
    // gradient is exactly zero. Post-norm attends with values W·0 + b, equal for every query: the
    // softmax's output does not depend on q or k and W_v multiplies zeros, so the whole in_proj_weight
    // gradient is rounding noise (1e-9 against gradients up to 15), whose digits depend on the BLAS.
    const vanishing = preNorm
      ? ["sem_seg_head.predictor.transformer.decoder.layers.0.norm1.weight"]
      : ["sem_seg_head.predictor.transformer.decoder.layers.0.self_attn.in_proj_weight"];
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

test("full-size counts equal the reference's: maskformer_r50 at 150 classes, maskformer_panoptic_r50 at 133", () => {
  assert.equal(countParameters({ type: "maskformer_r50", numClasses: 150 }), Number(golden.metadata["maskformer_r50.parameters"]));
  assert.equal(countParameters({ type: "maskformer_panoptic_r50", numClasses: 133 }), Number(golden.metadata["maskformer_panoptic_r50.parameters"]));
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

test("semantic labels train as one target per class present (the authors' semantic mapper); predictInstances gives top-k masks", () => {
  const start = torch.liveTensors();
  // Classes 0 and 2 present, 255 ignored: two targets, the ignored pixels in neither mask.
  const labels = torch.tensor([[[0, 0, 2, 255], [2, 2, 0, 255]]], { dtype: "int64" });
  const [target] = classMasks(labels, 4);
  assert.deepEqual(target.labels.toArray(), [0, 2]);
  assert.deepEqual(target.masks.toArray(), [1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0]);
  for (const t of [labels, target.labels, target.masks]) t.dispose();

  torch.manualSeed(0);
  const model = build<MaskFormer>("model", { ...REDUCED, dropout: 0 });
  const x = torch.randn([1, 3, 64, 64]);
  const y = torch.tidy(() => torch.randint(0, 4, [1, 64, 64]).maskedFill(torch.rand([1, 64, 64]).lt(0.1), 255));
  // In a scope, as the trainer calls it: Segmentor.forwardTrain's running sum makes intermediates.
  const { loss, parts } = torch.tidy(() => model.forwardTrain(x, y));
  assert.deepEqual(Object.keys(parts).sort(), ["loss_ce", "loss_ce_0", "loss_ce_1", "loss_dice", "loss_dice_0", "loss_dice_1", "loss_mask", "loss_mask_0", "loss_mask_1"]);
  const sum = Object.values(parts).reduce((a, v) => a + v.item(), 0);
  assert.ok(Number.isFinite(sum) && Math.abs(loss.item() - sum) <= 1e-5 * sum, `loss ${loss.item()} = Σ parts ${sum}`);
  model.eval();
  const [instances] = model.predictInstances(x, 5);
  assert.deepEqual(instances.masks.shape, [5, 64, 64]);
  assert.equal(instances.scores.length, 5);
  assert.ok(instances.labels.every((c) => c >= 0 && c < 4));
  for (const t of [loss, ...Object.values(parts), x, y, instances.masks]) t.dispose();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
