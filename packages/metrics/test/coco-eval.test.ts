// cocoEvaluate on a case small enough to follow by hand (the parity with pycocotools' COCOeval on
// larger fixtures is in packages/segkit/test/eval-instance.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { cocoEvaluate, COCO_RECALL_THRESHOLDS, type CocoDetection, type CocoGroundTruth } from "../src/index.js";

const EPS = 2 ** -52;
const close = (actual: number, wanted: number) => assert.ok(Math.abs(actual - wanted) < 1e-12, `${actual} vs ${wanted}`);

test("crowd matches are ignored, a duplicate is a false positive, the detection limit applies per image", () => {
  const groundTruth: CocoGroundTruth[] = [
    { imageId: 1, categoryId: 3, area: 100, box: [0, 0, 10, 10], iscrowd: false },
    { imageId: 1, categoryId: 3, area: 100, box: [20, 20, 10, 10], iscrowd: true },
  ];
  const detections: CocoDetection[] = [
    { imageId: 1, categoryId: 3, area: 100, box: [0, 0, 10, 10], score: 0.9 }, // IoU 1: a hit
    { imageId: 1, categoryId: 3, area: 50, box: [0, 0, 10, 5], score: 0.8 }, // the object is taken: a false positive
    { imageId: 1, categoryId: 3, area: 4, box: [21, 21, 2, 2], score: 0.95 }, // inside the crowd: ignored
  ];
  const { stats, perCategory } = cocoEvaluate({ iouType: "bbox", imageIds: [1], categoryIds: [3, 7], groundTruth, detections });
  // Precision after the hit is 1/(1 + ε) and stays the envelope down to recall 0.
  close(stats.AP, 1 / (1 + EPS));
  close(stats.AP50, 1 / (1 + EPS));
  assert.equal(stats.AR1, 0); // the best-scored detection is the ignored one
  assert.equal(stats.AR10, 1);
  close(stats.APs, 1 / (1 + EPS)); // area 100 is small
  assert.equal(stats.APm, -1); // no medium or large object
  assert.deepEqual(perCategory.map((c) => c.categoryId), [3, 7]);
  close(perCategory[0].ap, 1 / (1 + EPS));
  assert.equal(perCategory[1].ap, -1); // no object of category 7

  // Without the crowd flag the top detection is a false positive and the second object is never
  // found: precision 1/2 up to recall 1/2, 0 beyond.
  const noCrowd = cocoEvaluate({ iouType: "bbox", imageIds: [1], categoryIds: [3], groundTruth: groundTruth.map((g) => ({ ...g, iscrowd: false })), detections });
  close(noCrowd.stats.AP, (0.5 * COCO_RECALL_THRESHOLDS.filter((r) => r <= 0.5).length) / COCO_RECALL_THRESHOLDS.length);
  close(noCrowd.stats.AR100, 0.5);
});

test("unknown ids and a missing mask or box are refused", () => {
  const g: CocoGroundTruth = { imageId: 1, categoryId: 3, area: 1, box: [0, 0, 1, 1], iscrowd: false };
  const d: CocoDetection = { imageId: 1, categoryId: 3, area: 1, box: [0, 0, 1, 1], score: 1 };
  assert.throws(() => cocoEvaluate({ iouType: "bbox", imageIds: [1], categoryIds: [3], groundTruth: [g], detections: [{ ...d, imageId: 2 }] }), /detection 0: image id 2 is not among the images/);
  assert.throws(() => cocoEvaluate({ iouType: "bbox", imageIds: [1], categoryIds: [3], groundTruth: [{ ...g, categoryId: 4 }], detections: [] }), /ground truth 0: category id 4 is not among the categories/);
  assert.throws(() => cocoEvaluate({ iouType: "segm", imageIds: [1], categoryIds: [3], groundTruth: [g], detections: [] }), /ground truth 0 has no mask for iouType "segm"/);
});
