// MaskClassificationInstances, in process, on a seeded reduced MaskFormer: with a pipeline that only
// normalises, its detections are the segmentor's own predictInstances pairs (on the image as `segkit
// predict` prepares it) of thing classes (masks,
// scores) with labels renumbered 1..T, most confident first; with one that resizes and pads, the
// masks come back at the image's size; every box encloses its mask as pycocotools' toBbox does.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { MaskClassificationInstances } from "../src/engine/mask-classification-instances.js";
import { predictionPipeline, prepare } from "../src/engine/predict.js";
import type { Detections } from "../src/models/detection/roi-heads.js";
import "../src/models/index.js";
import type { MaskFormer } from "../src/models/segmentors/maskformer/model.js";

torch.setNumThreads(1);

const MODEL = {
  type: "maskformer_r50", numClasses: 6, backbone: { type: "resnet18", width: 8 }, convDim: 32, maskDim: 32, hiddenDim: 32,
  numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 2, dropout: 0,
};
const THINGS = [2, 3, 4, 5];
const NORMALIZE = { type: "normalize", mean: [127.5, 127.5, 127.5], std: [255, 255, 255] };

/** Each detection's box against the box of its mask's pixels (x, y, x past the last, y past the last). */
function assertBoxesEncloseMasks(d: Detections, [height, width]: number[]): void {
  const masks = d.masks.gt(0.5).to("uint8").toTypedArray() as Uint8Array;
  const boxes = d.boxes.toArray() as number[];
  for (let k = 0; k < d.scores.shape[0]; k++) {
    let [x1, y1, x2, y2] = [width, height, 0, 0];
    for (let p = 0; p < width * height; p++) {
      if (!masks[k * width * height + p]) continue;
      const [x, y] = [p % width, Math.floor(p / width)];
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
    }
    assert.deepEqual(boxes.slice(4 * k, 4 * k + 4), x2 === 0 ? [0, 0, 0, 0] : [x1, y1, x2, y2], `detection ${k}`);
  }
}

test("a MaskFormer's thing pairs as detections: its own masks and scores, labels 1..T, most confident first; at the image's size through resize and pad", () => {
  torch.manualSeed(4);
  const segmentor = build<MaskFormer>("model", MODEL).eval();
  const image = torch.rand([3, 64, 64]).mul(255).round().div(255);
  const adapter = new MaskClassificationInstances(segmentor, THINGS, predictionPipeline([NORMALIZE])).eval();
  const [d] = adapter.forward([image]);
  const pixels = image.permute([1, 2, 0]).mul(255).round().to("uint8").contiguous().toTypedArray() as Uint8Array;
  const { batch } = prepare({ width: 64, height: 64, pixels, meta: { file: "image", size: [64, 64] } }, predictionPipeline([NORMALIZE]));
  const [own] = segmentor.predictInstances(batch, 100, [false, false, true, true, true, true]);
  // 8 queries × 6 classes: the 32 pairs of thing classes.
  assert.equal(d.scores.shape[0], 32);
  const scores = d.scores.toArray() as number[];
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), "most confident first");
  const order = Array.from(own.scores.keys()).sort((a, b) => own.scores[b] - own.scores[a]);
  assert.deepEqual(scores, order.map((k) => own.scores[k]));
  assert.deepEqual(d.labels.toArray(), order.map((k) => THINGS.indexOf(own.labels[k]) + 1));
  const ownMasks = own.masks.indexSelect(0, torch.tensor(order, { dtype: "int64" }));
  assert.equal(d.masks.squeeze(1).eq(ownMasks).all().item(), 1, "the segmentor's masks");
  assertBoxesEncloseMasks(d, [64, 64]);
  for (const t of [d.boxes, d.labels, d.scores, d.masks, own.masks, ownMasks, batch]) t.dispose();

  // A 40×56 image resized to 48×64 (keeping its ratio) and padded to 64×64.
  const resizing = new MaskClassificationInstances(segmentor, THINGS, predictionPipeline([{ type: "resize", scale: [64, 64], keepRatio: true }, { type: "pad", divisor: 32 }, NORMALIZE]));
  const small = torch.rand([3, 40, 56]);
  const [r] = resizing.forward([small]);
  assert.deepEqual(r.masks.shape, [32, 1, 40, 56]);
  assert.ok((r.masks.sum().item() as number) > 0, "some mask is not empty");
  assertBoxesEncloseMasks(r, [40, 56]);
  for (const t of [r.boxes, r.labels, r.scores, r.masks, image, small]) t.dispose();
  adapter.dispose();
});
