// Mask R-CNN learns: a reduced model trained from seeded random weights on a small synthetic_panoptic
// scene until its COCO mask AP (cocoEvaluate, iouType "segm") on that same scene passes a threshold
// — an overfitting proof that the losses, the samplers and the post-processing fit together. What is
// reduced is the size, not the code: a ResNet-18 body of width 8, a 16-channel FPN and mask head, a
// 64×64 scene of three shapes (none under 100 pixels; the model's transform resizes it to 128×128),
// and the samplers' and proposal counts (torchvision's own options) cut to what such a scene needs;
// the RPN, RoIAlign, the box and mask heads, the losses and the post-processing are the full
// model's. Adam at 1e-2, divided by 10 for the last 30% of the steps. Measured: about 12 s of CPU
// and AP 0.800 with this seed; other seeds land between 0.75 and 0.90 (the masks' IoU, not the
// detections, limits it: AP50 is 1), so the bar is 0.75 — the 0.8 is reached, not with margin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cocoEvaluate, rleEncode, type CocoDetection, type CocoGroundTruth } from "@segkit/metrics";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { SyntheticPanopticDataset } from "../src/data/datasets/synthetic-panoptic.js";
import type { MaskRCNN } from "../src/models/index.js";
import "../src/models/index.js";

torch.setNumThreads(1);
const SIZE: [number, number] = [64, 64];
const SCENES = 1;
const MAX_THINGS = 3;
const MIN_AREA = 100;
const STEPS = 150;
const DECAY_AT = 105;
// The panoptic categories 2..5 (box, disc, triangle, ring) are labels 1..4; 0 is background.
const STUFF = 2;

interface Scene {
  image: Tensor;
  groundTruth: CocoGroundTruth[];
  boxes: Tensor;
  labels: Tensor;
  masks: Tensor;
}

function scene(data: SyntheticPanopticDataset, i: number, imageId: number): Scene {
  const [h, w] = SIZE;
  const { pixels, panoptic } = data.draw(i);
  const image = torch.tidy(() => torch.tensor(Float32Array.from(pixels, (v) => v / 255), { shape: [h, w, 3] }).permute([2, 0, 1]).contiguous());
  const things = panoptic.segments.filter((s) => s.isThing);
  const masks = things.map((s) => Uint8Array.from(panoptic.ids, (id) => (id === s.id ? 1 : 0)));
  return {
    image,
    groundTruth: things.map((s, k) => ({ imageId, categoryId: s.category - STUFF + 1, area: s.area, iscrowd: false, rle: rleEncode(masks[k], h, w) })),
    // COCO bbox [x, y, w, h] → corners.
    boxes: torch.tensor(Float32Array.from(things.flatMap((s) => [s.bbox[0], s.bbox[1], s.bbox[0] + s.bbox[2], s.bbox[1] + s.bbox[3]])), { shape: [things.length, 4] }),
    labels: torch.tensor(things.map((s) => s.category - STUFF + 1), { dtype: "int64" }),
    masks: torch.tensor(Uint8Array.from(masks.flatMap((m) => [...m])), { shape: [things.length, h, w] }),
  };
}

/** The first SCENES scenes of seed 0 that show at most MAX_THINGS shapes, each of at least MIN_AREA pixels. */
function fewShapeScenes(): Scene[] {
  const data = new SyntheticPanopticDataset(64, SIZE, 0);
  const picked: Scene[] = [];
  for (let i = 0; picked.length < SCENES; i++) {
    const things = data.draw(i).panoptic.segments.filter((s) => s.isThing);
    if (things.length <= MAX_THINGS && things.every((s) => s.area >= MIN_AREA)) picked.push(scene(data, i, picked.length));
  }
  return picked;
}

function maskAp(model: MaskRCNN, scenes: Scene[]): number {
  const [h, w] = SIZE;
  model.eval();
  const detections: CocoDetection[] = [];
  torch.noGrad(() => torch.tidy(() => {
    model.forward(scenes.map((s) => s.image)).forEach((d, i) => {
      const scores = d.scores.toArray() as number[];
      const labels = d.labels.toArray() as number[];
      const binary = d.masks.gt(0.5).to("uint8").toTypedArray() as Uint8Array;
      scores.forEach((score, k) => {
        const mask = binary.subarray(k * h * w, (k + 1) * h * w);
        detections.push({ imageId: i, categoryId: labels[k], score, area: mask.reduce((a, v) => a + v, 0), rle: rleEncode(mask, h, w) });
      });
    });
  }));
  model.train();
  return cocoEvaluate({ iouType: "segm", imageIds: scenes.map((_, i) => i), categoryIds: [1, 2, 3, 4], groundTruth: scenes.flatMap((s) => s.groundTruth), detections }).stats.AP;
}

test("a reduced Mask R-CNN overfits a synthetic scene to COCO mask AP ≥ 0.75", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<MaskRCNN>("instance_model", {
    type: "maskrcnn_resnet50_fpn", numClasses: 5, backbone: { type: "resnet18", width: 8 }, fpnChannels: 16, representationSize: 64,
    maskLayers: [16, 16], maskDimReduced: 16, minSize: 2 * SIZE[0], maxSize: 2 * SIZE[1],
    rpnPreNmsTopNTrain: 200, rpnPostNmsTopNTrain: 100, rpnBatchSizePerImage: 64, boxBatchSizePerImage: 64,
    rpnPreNmsTopNTest: 200, rpnPostNmsTopNTest: 100, boxDetectionsPerImg: 20,
  });
  const scenes = fewShapeScenes();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });
  model.train();
  const before = maskAp(model, scenes);
  let last = Infinity;
  for (let step = 0; step < STEPS; step++) {
    if (step === DECAY_AT) for (const group of optimizer.paramGroups) group.lr /= 10;
    last = torch.tidy(() => {
      optimizer.zeroGrad({ setToNone: true });
      const losses = model.losses(scenes.map((s) => s.image), scenes);
      const total = Object.values(losses).reduce((a, b) => a.add(b));
      total.backward();
      optimizer.step();
      return total.item();
    });
  }
  const after = maskAp(model, scenes);
  console.log(`mask AP ${before.toFixed(3)} → ${after.toFixed(3)} after ${STEPS} steps (final loss ${last.toFixed(3)})`);
  assert.ok(Number.isFinite(last), "the loss stays finite");
  assert.ok(after >= 0.75, `mask AP ${after} < 0.75 (before training ${before})`);
  optimizer.dispose();
  model.dispose();
  for (const s of scenes) [s.image, s.boxes, s.labels, s.masks].forEach((t) => t.dispose());
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
