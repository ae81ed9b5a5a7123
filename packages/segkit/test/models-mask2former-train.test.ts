// The training proof for Mask2Former: a reduced model (ResNet-18 of width 8, one deformable encoder
// layer, 8 queries, 3 masked decoder layers, 256 points per mask) overfits the synthetic panoptic
// scenes (test/fixtures/panoptic-overfit.ts) to PQ ≥ 0.8 with the authors' COCO panoptic inference
// thresholds (object 0.8, overlap 0.8).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { overfitPanoptic } from "./fixtures/panoptic-overfit.js";

torch.setNumThreads(1);
const STEPS = 150;

test("Mask2Former (reduced) overfits synthetic panoptic scenes; every parameter gets a gradient", async () => {
  const config = {
    type: "mask2former_r50", backbone: { type: "resnet18", width: 8 }, convDim: 32, maskDim: 32, pixelEncoderLayers: 1,
    pixelDimFeedforward: 64, hiddenDim: 32, numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 3, numPoints: 256,
  };
  const { pq, sq, rq, losses, seconds } = await overfitPanoptic(config, STEPS, () => ({ objectMaskThreshold: 0.8, overlapThreshold: 0.8 }));
  const summary = `PQ ${pq.toFixed(3)} (SQ ${sq.toFixed(3)}, RQ ${rq.toFixed(3)}) after ${STEPS} steps in ${seconds.toFixed(1)} s; loss ${losses[0].toFixed(2)} -> ${losses.at(-1)!.toFixed(2)}`;
  console.log(`Mask2Former overfit: ${summary}`);
  assert.ok(pq >= 0.8, summary);
});
