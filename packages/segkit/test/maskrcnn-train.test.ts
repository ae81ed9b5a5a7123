// Mask R-CNN learns: a reduced model trained from seeded random weights on a small synthetic_panoptic
// scene until its COCO mask AP (cocoEvaluate, iouType "segm") on that same scene passes a threshold
// — an overfitting proof that the losses, the samplers and the post-processing fit together. What is
// reduced is the size, not the code: a ResNet-18 body of width 8, a 16-channel FPN and mask head, a
// 64×64 scene of three shapes (none under 100 pixels; the model's transform resizes it to 128×128),
// and the samplers' and proposal counts (torchvision's own options) cut to what such a scene needs;
// the RPN, RoIAlign, the box and mask heads, the losses and the post-processing are the full
// model's. Adam at 3e-3 for 300 steps, divided by 10 for the last 30%. Measured: about 17 s of CPU
// and AP 0.925 with this seed, 0.900 and 0.850 with seeds 1 and 2 (at 5e-3 0.800, at 1e-2 0.850;
// 150 steps at 1e-2 reached 0.75–0.90 over seeds); the masks' IoU, not the detections, limits it
// (AP50 is 1). The bar is the 0.8.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { MaskRCNN } from "../src/models/index.js";
import "../src/models/index.js";
import { disposeScenes, fewShapeScenes, maskAp, trainOnScenes, SIZE } from "./fixtures/instance_scenes.js";

torch.setNumThreads(1);
const SCENES = 1;
const STEPS = 300;

test("a reduced Mask R-CNN overfits a synthetic scene to COCO mask AP ≥ 0.8", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<MaskRCNN>("instance_model", {
    type: "maskrcnn_resnet50_fpn", numClasses: 5, backbone: { type: "resnet18", width: 8 }, fpnChannels: 16, representationSize: 64,
    maskLayers: [16, 16], maskDimReduced: 16, minSize: 2 * SIZE[0], maxSize: 2 * SIZE[1],
    rpnPreNmsTopNTrain: 200, rpnPostNmsTopNTrain: 100, rpnBatchSizePerImage: 64, boxBatchSizePerImage: 64,
    rpnPreNmsTopNTest: 200, rpnPostNmsTopNTest: 100, boxDetectionsPerImg: 20,
  });
  const scenes = fewShapeScenes(SCENES);
  const before = maskAp(model, scenes);
  const last = trainOnScenes(model, scenes, 3e-3, STEPS);
  const after = maskAp(model, scenes);
  console.log(`mask AP ${before.toFixed(3)} → ${after.toFixed(3)} after ${STEPS} steps (final loss ${last.toFixed(3)})`);
  assert.ok(Number.isFinite(last), "the loss stays finite");
  assert.ok(after >= 0.8, `mask AP ${after} < 0.8 (before training ${before})`);
  model.dispose();
  disposeScenes(scenes);
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
