// Mask2Former's network against the authors' code (github:facebookresearch/Mask2Former, its
// deformable attention through the pure-PyTorch ms_deform_attn_core_pytorch) with torchvision's
// ResNet as backbone, run by fixtures/mask2former_make_golden.py on Debian's torch 1.13 with seeded
// weights regenerated here: the reduced model loads the reference's state dict with no missing or
// unexpected keys, and on a 2×3×64×64 input every prediction's class and mask logits and the
// gradients of their mean squares agree within 1e-4 relative — with queries whose previous mask is
// empty (the "all masked → unmask" rule) among them; the full-size count equals the reference's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import "../src/models/index.js";
import type { Mask2Former } from "../src/models/segmentors/mask2former/model.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/mask2former_golden.safetensors", import.meta.url));
const golden = torch.loadSafetensors(FIXTURE);
/** The fixture's reduced model (ResNet-18, 2 deformable encoder and 4 decoder layers, 6 queries, 4 classes). */
const REDUCED = {
  type: "mask2former_r50", numClasses: 4, backbone: { type: "resnet18" }, convDim: 64, maskDim: 32, pixelEncoderLayers: 2, pixelDimFeedforward: 64,
  hiddenDim: 32, numQueries: 6, nHeads: 4, dimFeedforward: 64, decoderLayers: 4,
};

test("fixture records the reference repositories and commits", () => {
  assert.equal(golden.metadata.repository, "github:facebookresearch/Mask2Former");
  assert.equal(golden.metadata.detectron2_repository, "github:facebookresearch/detectron2");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(golden.metadata.detectron2_commit, /^[0-9a-f]{40}$/);
});

test("mask2former (reduced): reference keys, every prediction's class and mask logits, gradients", () => {
  const start = torch.liveTensors();
  const model = build<Mask2Former>("model", REDUCED);
  loadReference(model, golden, "mask2former");
  // As the fixture: the mask embeddings' bias shifted so that some queries' masks are empty.
  torch.noGrad(() => model.semSegHead.pixelDecoder.maskFeatures.bias!.fill_(Number(golden.metadata["mask2former.mask_features_bias"])));
  assert.ok(Number(golden.metadata["mask2former.blind_queries"]) > 0, "the reference had queries that saw no pixel");
  model.eval();
  const { logits, masks } = model.predictions(golden.tensors.get("input")!);
  assert.deepEqual(logits.shape, [5, 2, 6, 5]);
  assert.deepEqual(masks.shape, [5, 2, 6, 16, 16]);
  checkOutputsAndGradients(model, golden, "mask2former", [logits, masks]);
  const maps = torch.noGrad(() => model.call(golden.tensors.get("input")!));
  assert.deepEqual(maps.shape, [2, 4, 64, 64]);
  for (const t of [logits, masks, maps]) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.ok(torch.liveTensors() <= start, "every tensor is freed");
});

test("full-size counts equal the reference's: mask2former_r50 at 150 classes, mask2former_swin_t at 133", () => {
  assert.equal(countParameters({ type: "mask2former_r50", numClasses: 150 }), Number(golden.metadata["mask2former_r50.parameters"]));
  assert.equal(countParameters({ type: "mask2former_swin_t", numClasses: 133 }), Number(golden.metadata["mask2former_swin_t.parameters"]));
});

test("mask2former options and inputs are checked", () => {
  assert.throws(() => build("model", { ...REDUCED, numQueries: 0 }), /"numQueries" must be an integer ≥ 1, got 0/);
  assert.throws(() => build("model", { ...REDUCED, hiddenDim: 30 }), /width \(30\) must be a multiple of the number of heads \(4\)/);
  assert.throws(() => build("model", { ...REDUCED, encoderLevels: 2 }), /"encoderLevels" must be an integer ≥ 3, got 2/);
  assert.throws(() => build("model", { ...REDUCED, encoderLevels: 5 }), /encoderLevels must be an integer from 3 to the 4 backbone maps, got 5/);
  assert.throws(() => build("model", { ...REDUCED, importanceSampleRatio: 2 }), /importanceSampleRatio must be in \[0, 1\], got 2/);
  assert.throws(() => build("model", { ...REDUCED, queries: 5 }), /queries/);
  const model = build<Mask2Former>("model", REDUCED);
  const x = torch.zeros([1, 3, 40, 64]);
  assert.throws(() => model.predictions(x), /multiples of 32/);
  x.dispose();
  model.dispose();
});
