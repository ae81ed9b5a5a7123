// Mask R-CNN against torchvision 0.14's (fixtures/maskrcnn_make_golden.py: torchvision's own MaskRCNN,
// BackboneWithFPN, RPNHead, TwoMLPHead, FastRCNNPredictor, MaskRCNNHeads, MaskRCNNPredictor with its
// C++ nms and roi_align, Debian's torch 1.13, seeded weights regenerated here): a reduced model
// (ResNet-18 body, 16-channel FPN, 5 classes, min/max size 224/320, box score threshold 0) loads the
// reference's state dict with no missing or unexpected key. Both sides run in float64 (the fixture
// stores float32 roundings): float32's rounding, which depends on the BLAS, reorders near-tied
// proposals (one of image 1's moves by 201 px from float64's) and so moves the training losses by up
// to 7e-4 and gradients by 1e-2; a float32 reference matched only a float32 run on its own BLAS. On two images of 200×256 and 180×240 it
// gives the same 1,000 proposals per image (boxes within 1e-3), the same 100 detections per image in
// the same order (labels equal, boxes within 1e-3, scores within 1e-4, 28×28 mask probabilities
// within 1e-4), and the same pasted masks (3 per image whole, all by sum and seeded projection).
// In training mode, with the same seed, the samplers draw the same anchors and proposals, and the
// five losses (and their sum's gradients on the RPN head, the RoI heads and an FPN conv) agree. The full-size model has torchvision's keys and
// parameter count, counted without allocating.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParametersOf } from "../src/models/complexity.js";
import type { MaskRCNN } from "../src/models/index.js";
import "../src/models/index.js";
import { disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";
import { detectionGolden, maxAbsDifference } from "./fixtures/detection_golden.js";

torch.setNumThreads(1);
const { get: g, metadata } = detectionGolden("maskrcnn_golden.safetensors");

const REDUCED = {
  type: "maskrcnn_resnet50_fpn", numClasses: 5, backbone: { type: "resnet18" }, fpnChannels: 16, representationSize: 32,
  maskLayers: [16, 16, 16, 16], maskDimReduced: 16, minSize: 224, maxSize: 320, boxScoreThresh: 0,
};

function within(actual: Tensor, expected: Tensor, tolerance: number, what: string): void {
  const diff = maxAbsDifference(actual, expected, what);
  assert.ok(diff <= tolerance, `${what}: max difference ${diff} > ${tolerance}`);
}

test("the reduced Mask R-CNN gives torchvision's proposals, detections and masks", () => {
  const start = torch.liveTensors();
  const model = build<MaskRCNN>("instance_model", REDUCED);
  const state = seededState(JSON.parse(metadata["keys"]) as KeyTable, 0);
  const result = model.loadStateDict(state, { strict: false });
  disposeState(state);
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  model.to("float64").eval();
  torch.noGrad(() => torch.tidy(() => {
    const images = [g("image.0").to("float64"), g("image.1").to("float64")];
    const { batch, proposals, detections } = model.detect(images);
    assert.deepEqual(batch, [[224, 286], [224, 298]], "resized as torchvision resizes");
    detections.forEach((d, i) => {
      within(proposals[i], g(`proposals.${i}`), 1e-3, `image ${i} proposals`);
      assert.deepEqual(d.labels.toArray(), g(`detections.${i}.labels`).toArray(), `image ${i}: the same detections in the same order`);
      assert.equal(d.labels.shape[0], 100);
      within(d.boxes, g(`detections.${i}.boxes`), 1e-3, `image ${i} boxes`);
      within(d.scores, g(`detections.${i}.scores`), 1e-4, `image ${i} scores`);
      within(d.masks, g(`detections.${i}.masks`), 1e-4, `image ${i} mask probabilities`);
    });
    const outputs = model.transform.postprocess(detections, batch, [[200, 256], [180, 240]]);
    outputs.forEach((out, i) => {
      within(out.boxes, g(`output.${i}.boxes`), 1e-3, `image ${i} boxes in the original image`);
      within(out.scores, g(`output.${i}.scores`), 1e-4, `image ${i} final scores`);
      within(out.masks.narrow(0, 0, 3), g(`output.${i}.masks.first`), 1e-4, `image ${i} pasted masks`);
      const flat = out.masks.flatten(1);
      const pixels = flat.shape[1];
      within(flat.sum(1), g(`output.${i}.masks.sum`), 1e-4 * pixels, `image ${i} mask sums`);
      torch.manualSeed(4 + i);
      const projection = flat.matmul(torch.rand([pixels]).sub(0.5).to("float64"));
      within(projection, g(`output.${i}.masks.projection`), 1e-4 * pixels / 4, `image ${i} mask projections`);
    });
  }));
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("the training losses and their gradients equal torchvision's with the same seed", () => {
  const start = torch.liveTensors();
  const model = build<MaskRCNN>("instance_model", REDUCED);
  const state = seededState(JSON.parse(metadata["keys"]) as KeyTable, 0);
  model.loadStateDict(state);
  disposeState(state);
  model.to("float64").train();
  torch.manualSeed(7);
  torch.tidy(() => {
    const targets = [0, 1].map((i) => {
      const boxes = g(`train.boxes.${i}`);
      return { boxes: boxes.to("float64"), labels: torch.arange(1, boxes.shape[0] + 1, { dtype: "int64" }), masks: g(`train.masks.${i}`) };
    });
    const losses = model.losses([g("image.0").to("float64"), g("image.1").to("float64")], targets);
    for (const [name, value] of Object.entries(losses)) {
      const expected = g(`train.${name}`).item();
      const diff = Math.abs(value.item() - expected);
      assert.ok(diff <= 1e-5 * Math.abs(expected), `${name}: ${value.item()} vs ${expected}`);
    }
    Object.values(losses).reduce((a, b) => a.add(b)).backward();
  });
  const own = model.stateDict();
  const checked = [...own.keys()].filter((k) => k.startsWith("rpn.head.") || k.startsWith("roi_heads.") || k === "backbone.fpn.layer_blocks.0.0.weight");
  assert.equal(checked.length, 27);
  for (const key of checked) {
    const expected = g(`train.grad.${key}`);
    const diff = maxAbsDifference(own.get(key)!.grad!, expected, key);
    const scale = torch.tidy(() => expected.abs().max().item());
    assert.ok(diff <= 1e-4 * scale, `gradient of ${key}: max difference ${diff} (largest ${scale})`);
  }
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("maskrcnn_resnet50_fpn at full size has torchvision's keys and parameter count", () => {
  const expected = Number(metadata["full.parameters"]);
  assert.equal(expected, 44_454_513, "torchvision's count with BatchNorm2d (44,401,393 with its frozen norms, which hold no parameters)");
  assert.equal(countParametersOf(() => build<MaskRCNN>("instance_model", { type: "maskrcnn_resnet50_fpn" })), expected);
  let keys: string[] = [];
  countParametersOf(() => {
    const model = build<MaskRCNN>("instance_model", { type: "maskrcnn_resnet50_fpn" });
    keys = [...model.stateDict().keys()].sort();
    return model;
  });
  assert.deepEqual(keys, JSON.parse(metadata["full.keys"]));
  // torchvision's COCO checkpoint is saved from FrozenBatchNorm2d: the same keys without
  // num_batches_tracked, which BatchNorm2d treats as optional, so it loads with nothing missing.
  const frozenKeys = JSON.parse(metadata["frozen.keys"]) as string[];
  assert.deepEqual(frozenKeys, keys.filter((k) => !k.endsWith("num_batches_tracked")));
  assert.equal(Number(metadata["frozen.parameters"]), 44_401_393, "the count torchvision's COCO weights state");
  torch.withDefaultDevice("meta", () => {
    const model = build<MaskRCNN>("instance_model", { type: "maskrcnn_resnet50_fpn" });
    const own = model.stateDict();
    const result = model.loadStateDict(new Map(frozenKeys.map((k) => [k, own.get(k)!])));
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
    model.dispose();
  });
});

test("bad inputs are refused by name", () => {
  const model = build<MaskRCNN>("instance_model", REDUCED).eval();
  torch.tidy(() => {
    assert.throws(() => model.detect([torch.zeros([8, 8])]), /image 0: expected \(C, H, W\)/);
    assert.throws(() => model.detect([torch.zeros([3, 8, 8], { dtype: "uint8" })]), /image 0: expected floating point/);
    assert.throws(() => model.detect([]), /no images/);
    model.train();
    assert.throws(() => model.detect([torch.zeros([3, 8, 8])]), /detect\(\) runs in eval mode/);
  });
  assert.throws(() => build<MaskRCNN>("instance_model", { ...REDUCED, numClasses: 1 }), /numClasses must be an integer ≥ 2/);
  model.dispose();
});
