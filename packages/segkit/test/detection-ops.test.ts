// Detection ops against torchvision 0.14's (fixtures/detection_ops_make_golden.py: its C++ nms and
// roi_align kernels, MultiScaleRoIAlign, box_iou, BoxCoder on Debian's torch 1.13): NMS keeps exactly
// the same indices in the same order (tied scores, border boxes, duplicates, IoU exactly at the
// threshold; batched NMS on both of torchvision's paths); RoIAlign within 1e-5 on RoIs outside the
// map and smaller than a pixel; the level mapper picks the same levels; the box coder agrees.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { boxIou, clipBoxesToImage, removeSmallBoxes } from "../src/models/detection/boxes.js";
import { BoxCoder } from "../src/models/detection/box-coder.js";
import { batchedNms, nms } from "../src/models/detection/nms.js";
import { roiAlign } from "../src/models/detection/roi-align.js";
import { MultiScaleRoIAlign, mapLevels } from "../src/models/detection/multi-scale-roi-align.js";
import { detectionGolden, maxAbsDifference } from "./fixtures/detection_golden.js";

torch.setNumThreads(1);
const { get: g } = detectionGolden("detection_ops_golden.safetensors");

test("nms keeps torchvision's indices in its order, ties and borders included", () => {
  for (const thresh of ["0.3", "0.5", "0.7"]) {
    const keep = nms(g("nms.boxes"), g("nms.scores"), Number(thresh));
    assert.deepEqual(keep, g(`nms.keep.${thresh}`).toArray(), `threshold ${thresh}`);
  }
  // The last two boxes overlap with IoU exactly 0.5: both kept at 0.5 (IoU > threshold suppresses).
  const n = g("nms.boxes").shape[0];
  const keep = nms(g("nms.boxes"), g("nms.scores"), 0.5);
  assert.ok(keep.includes(n - 1) && keep.includes(n - 2));
});

test("batched nms matches torchvision on its coordinate-trick (300 boxes) and per-class (1,500) paths", () => {
  for (const n of [300, 1500]) {
    const keep = batchedNms(g(`batched.${n}.boxes`), g(`batched.${n}.scores`), g(`batched.${n}.idxs`), 0.5);
    assert.deepEqual(keep, g(`batched.${n}.keep`).toArray(), `${n} boxes`);
  }
  const none = torch.zeros([0, 4]);
  assert.deepEqual(batchedNms(none, torch.zeros([0]), torch.zeros([0], { dtype: "int64" }), 0.5), []);
  none.dispose();
});

test("box IoU, clipping and small-box removal agree", () => {
  torch.tidy(() => {
    assert.ok(maxAbsDifference(boxIou(g("iou.a"), g("iou.b")), g("iou.out")) < 1e-6);
    assert.equal(maxAbsDifference(clipBoxesToImage(g("clip.boxes"), [45, 55]), g("clip.out")), 0);
    assert.deepEqual(removeSmallBoxes(g("clip.boxes"), 3).toArray(), g("small.keep").toArray());
  });
});

test("roiAlign matches torchvision's kernel within 1e-5 (legacy and aligned, several scales, fixed and adaptive ratios)", () => {
  torch.tidy(() => {
    const features = g("roi.features");
    const rois = g("roi.rois");
    const cases = [
      ["legacy", { outputSize: [7, 7], spatialScale: 0.25, samplingRatio: 2, aligned: false }],
      ["aligned", { outputSize: [5, 4], spatialScale: 0.25, samplingRatio: 2, aligned: true }],
      ["half", { outputSize: [3, 3], spatialScale: 0.5, samplingRatio: 3, aligned: false }],
      ["adaptive", { outputSize: [5, 4], spatialScale: 1, samplingRatio: -1, aligned: false }],
    ] as const;
    for (const [name, options] of cases) {
      const diff = maxAbsDifference(roiAlign(features, rois, { ...options, outputSize: [...options.outputSize] }), g(`roi.out.${name}`));
      assert.ok(diff < 1e-5, `${name}: max difference ${diff}`);
    }
  });
});

test("roiAlign refuses a fractional sampling ratio and RoIs it cannot place", () => {
  torch.tidy(() => {
    const features = g("roi.features");
    assert.throws(() => roiAlign(features, g("roi.rois"), { outputSize: [7, 7], spatialScale: 0.25, samplingRatio: 1.5 }), /samplingRatio must be an integer/);
    assert.throws(() => roiAlign(features, torch.tensor([[2, 0, 0, 4, 4]], { dtype: "float32" }), { outputSize: [2, 2], spatialScale: 1, samplingRatio: 2 }), /image 2, but the input has 2/);
    assert.throws(() => roiAlign(features, torch.zeros([3, 4]), { outputSize: [2, 2], spatialScale: 1, samplingRatio: 2 }), /rois must be \(K, 5\)/);
  });
});

test("MultiScaleRoIAlign maps boxes to torchvision's levels and pools within 1e-5", () => {
  torch.tidy(() => {
    const features = [0, 1, 2, 3].map((i) => g(`msra.feature.${i}`));
    const boxes = [g("msra.boxes.0"), g("msra.boxes.1")];
    const levels = mapLevels(torch.cat(boxes, 0), 2, 5).toArray() as number[];
    assert.deepEqual(levels, g("msra.levels").toArray());
    assert.deepEqual([...new Set(levels)].sort(), [0, 1, 2, 3], "the fixture reaches every level");
    const pooled = new MultiScaleRoIAlign({ outputSize: 7, samplingRatio: 2 }).forward(features, boxes, [[60, 90], [64, 80]]);
    const diff = maxAbsDifference(pooled, g("msra.out"));
    assert.ok(diff < 1e-5, `max difference ${diff}`);
  });
});

test("BoxCoder encodes and decodes as torchvision's, clamping dw and dh", () => {
  torch.tidy(() => {
    const coder = new BoxCoder([10, 10, 5, 5]);
    const encoded = coder.encode(g("coder.targets"), g("coder.references"));
    assert.ok(maxAbsDifference(encoded, g("coder.encoded")) < 1e-5);
    const decoded = coder.decode(g("coder.deltas"), g("coder.references"));
    assert.ok(maxAbsDifference(decoded, g("coder.decoded")) < 1e-3, "boxes within 1e-3");
    // Round trip: decoding the encoding gives the targets back.
    assert.ok(maxAbsDifference(coder.decode(encoded, g("coder.references")).squeeze(1), g("coder.targets")) < 1e-3);
  });
});
