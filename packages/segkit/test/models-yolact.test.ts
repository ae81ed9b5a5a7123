// YOLACT's detection stages against the authors' repository (fixtures/yolact_make_golden.py:
// github:dbolya/yolact's own Yolact, Detect with FastNMS and output_utils.postprocess on Debian's
// torch 1.13, a reduced yolact_resnet50 config at 128×128): from the head outputs the reference's
// Detect received, the same priors, the same 100 detections per image in the same order (classes
// equal, boxes and scores within 1e-5), and the same mask probabilities before the 0.5 threshold
// (within 1e-5 at the prototypes' size and resized to the image). The network and the training
// losses are not ported yet (issue 27).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { assembleMasks, resizeMasks } from "../src/models/detection/yolact/assemble-masks.js";
import { fastNmsDetect } from "../src/models/detection/yolact/fast-nms.js";
import { yolactPriors } from "../src/models/detection/yolact/priors.js";
import { detectionGolden, maxAbsDifference } from "./fixtures/detection_golden.js";

torch.setNumThreads(1);
const { get: g, metadata } = detectionGolden("yolact_golden.safetensors");
const config = JSON.parse(metadata["config"]) as { max_size: number; pred_scales: number[][] };
const SIZE = config.max_size;
// yolact_base's settings (data/config.py) as the fixture ran them.
const ASPECT_RATIOS = [[[1, 1 / 2, 2]], [[1, 1 / 2, 2]], [[1, 1 / 2, 2]], [[1, 1 / 2, 2]], [[1, 1 / 2, 2]]];
const DETECT = { confThresh: 0.05, nmsThresh: 0.5, topK: 200, maxDetections: 100 };

function within(actual: Tensor, expected: Tensor, tolerance: number, what: string): void {
  const diff = maxAbsDifference(actual, expected, what);
  assert.ok(diff <= tolerance, `${what}: max difference ${diff} > ${tolerance}`);
}

test("YOLACT's priors are the reference's", () => {
  const levels: [number, number][] = [16, 8, 4, 2, 1].map((s) => [s, s]);
  const priors = yolactPriors(levels, { aspectRatios: ASPECT_RATIOS, scales: config.pred_scales, maxSize: SIZE, usePixelScales: true, preapplySqrt: false, useSquareAnchors: true });
  within(priors, g("eval.priors"), 1e-7, "priors");
  priors.dispose();
  assert.throws(() => yolactPriors(levels.slice(1), { aspectRatios: ASPECT_RATIOS, scales: config.pred_scales, maxSize: SIZE, usePixelScales: true, preapplySqrt: false, useSquareAnchors: true }), /4 prediction levels but 5 aspect-ratio lists/);
});

test("FastNMS keeps the reference's detections and the masks match before thresholding", () => {
  const start = torch.liveTensors();
  torch.tidy(() => {
    for (let i = 0; i < 2; i++) {
      const d = fastNmsDetect(g("eval.loc").select(0, i), g("eval.conf").select(0, i), g("eval.mask").select(0, i), g("eval.priors"), DETECT);
      assert.deepEqual(d.classes.toArray(), g(`det.${i}.class`).toArray(), `image ${i}: the same classes in the same order`);
      assert.equal(d.classes.shape[0], 100);
      within(d.boxes, g(`det.${i}.box`), 1e-5, `image ${i} boxes`);
      within(d.scores, g(`det.${i}.score`), 1e-5, `image ${i} scores`);
      within(d.coefficients, g(`det.${i}.mask`), 1e-6, `image ${i} coefficients`);
      const masks = assembleMasks(g("eval.proto").select(0, i), d.coefficients, d.boxes);
      within(masks, g(`det.${i}.cropped`), 1e-5, `image ${i} cropped mask probabilities`);
      const resized = resizeMasks(masks, [SIZE, SIZE]);
      within(resized.narrow(0, 0, 3), g(`det.${i}.resized.first3`), 1e-5, `image ${i} resized masks`);
      within(resized.sum([1, 2]), g(`det.${i}.resized.sums`), 1e-2, `image ${i} resized mask sums`);
    }
  });
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
