// Mask R-CNN learns: a reduced model (ResNet-18 body, 16-channel FPN, the synthetic scenes' four
// thing classes) trained from seeded random weights on a handful of synthetic_panoptic images until
// its COCO mask AP (cocoEvaluate, iouType "segm") on those same images passes a threshold: an
// overfitting proof that the losses, the samplers and the post-processing fit together.
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
const SIZE: [number, number] = [96, 96];
const IMAGES = 4;
const STEPS = 120;
// The panoptic categories 2..5 (box, disc, triangle, ring) are labels 1..4; 0 is background.
const STUFF = 2;

interface Scene {
  image: Tensor;
  groundTruth: CocoGroundTruth[];
  boxes: Tensor;
  labels: Tensor;
  masks: Tensor;
}

function scene(data: SyntheticPanopticDataset, i: number): Scene {
  const [h, w] = SIZE;
  const { pixels, panoptic } = data.draw(i);
  const image = torch.tensor(Float32Array.from(pixels, (v) => v / 255), { shape: [h, w, 3] }).permute([2, 0, 1]).contiguous();
  const things = panoptic.segments.filter((s) => s.isThing);
  const masks = things.map((s) => Uint8Array.from(panoptic.ids, (id) => (id === s.id ? 1 : 0)));
  return {
    image,
    groundTruth: things.map((s, k) => ({ imageId: i, categoryId: s.category - STUFF + 1, area: s.area, iscrowd: false, rle: rleEncode(masks[k], h, w) })),
    // COCO bbox [x, y, w, h] → corners.
    boxes: torch.tensor(Float32Array.from(things.flatMap((s) => [s.bbox[0], s.bbox[1], s.bbox[0] + s.bbox[2], s.bbox[1] + s.bbox[3]])), { shape: [things.length, 4] }),
    labels: torch.tensor(things.map((s) => s.category - STUFF + 1), { dtype: "int64" }),
    masks: torch.tensor(Uint8Array.from(masks.flatMap((m) => [...m])), { shape: [things.length, h, w] }),
  };
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

test("a reduced Mask R-CNN overfits a few synthetic scenes to COCO mask AP ≥ 0.8", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<MaskRCNN>("instance_model", {
    type: "maskrcnn_resnet50_fpn", numClasses: 5, backbone: { type: "resnet18" }, fpnChannels: 16, representationSize: 32,
    maskLayers: [16, 16], maskDimReduced: 16, minSize: SIZE[0], maxSize: SIZE[1],
  });
  const data = new SyntheticPanopticDataset(IMAGES, SIZE, 0);
  const scenes = Array.from({ length: IMAGES }, (_, i) => scene(data, i));
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 3e-3 });
  model.train();
  const before = maskAp(model, scenes);
  let last = Infinity;
  for (let step = 0; step < STEPS; step++) {
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
  assert.ok(after >= 0.8, `mask AP ${after} < 0.8 (before training ${before})`);
  optimizer.dispose();
  model.dispose();
  for (const s of scenes) [s.image, s.boxes, s.labels, s.masks].forEach((t) => t.dispose());
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
