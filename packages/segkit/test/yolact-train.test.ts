// YOLACT learns: a reduced model trained from seeded random weights on the synthetic scene of
// maskrcnn-train (fixtures/instance_scenes.ts) until its COCO mask AP on that scene passes 0.8 — an
// overfitting proof that the matching, the four losses, FastNMS and the mask assembly fit together.
// What is reduced is the size, not the code: a ResNet-18 body of width 8, FPN/protonet/head width
// 16, 8 prototypes, 256×256 input (the 64×64 scene stretched; prior scales by the authors' rule
// from 550: at 128 the 32×32 prototypes limited the masks' IoU to AP 0.775, at 192 0.900); the
// losses, the matching and the post-processing are the full model's. Adam at 5e-3, divided by 10
// for the last 30% of the steps.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Yolact } from "../src/models/index.js";
import "../src/models/index.js";
import { disposeScenes, fewShapeScenes, maskAp, trainOnScenes } from "./fixtures/instance_scenes.js";

torch.setNumThreads(1);
const STEPS = 300;

test("a reduced YOLACT overfits a synthetic scene to COCO mask AP ≥ 0.8", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<Yolact>("instance_model", {
    type: "yolact_resnet50", numClasses: 5, backbone: { type: "resnet18", width: 8 }, fpnChannels: 16, prototypes: 8, maxSize: 256, maxDetections: 20,
  });
  const scenes = fewShapeScenes(1);
  const before = maskAp(model, scenes);
  const last = trainOnScenes(model, scenes, 5e-3, STEPS);
  const after = maskAp(model, scenes);
  console.log(`mask AP ${before.toFixed(3)} → ${after.toFixed(3)} after ${STEPS} steps (final loss ${last.toFixed(3)})`);
  assert.ok(Number.isFinite(last), "the loss stays finite");
  assert.ok(after >= 0.8, `mask AP ${after} < 0.8 (before training ${before})`);
  model.dispose();
  disposeScenes(scenes);
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
