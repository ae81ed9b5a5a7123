// YOLACT against the authors' repository (fixtures/yolact_make_golden.py: github:dbolya/yolact's own
// Yolact, Detect with FastNMS and output_utils.postprocess on Debian's torch 1.13, a reduced
// yolact_resnet50 config at 128×128, seeded weights regenerated here): the reduced network loads the
// reference's state dict through key map "yolact" with no missing or unexpected key and gives its
// priors, box regressions, class confidences, mask coefficients and prototypes (eval and training
// mode, where also the semantic segmentation logits) within 1e-4 relative; from the head outputs
// the reference's Detect received, the same 100 detections per image in the same order (classes
// equal, boxes and scores within 1e-5), and the same mask probabilities before the 0.5 threshold
// (within 1e-5 at the prototypes' size and resized to the image). The full-size yolact_resnet50 has
// the reference's parameter count (built from the registry), and export refuses it with a reason. MultiBoxLoss's four losses (B smooth-L1, C with OHEM, M mask BCE,
// S semantic segmentation) for fixed targets agree within 1e-4 relative, from the reference's own
// training outputs and from ours.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParametersOf } from "../src/models/complexity.js";
import type { Backbone } from "../src/models/backbones/backbone.js";
import { keyMapNamed } from "../src/models/index.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import { assembleMasks, resizeMasks } from "../src/models/detection/yolact/assemble-masks.js";
import { yolactLosses, type YolactTarget } from "../src/models/detection/yolact/multibox-loss.js";
import { fastNmsDetect } from "../src/models/detection/yolact/fast-nms.js";
import { yolactPriors } from "../src/models/detection/yolact/priors.js";
import { Yolact, type YolactRawOutputs } from "../src/models/detection/yolact/yolact.js";
import { disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";
import { detectionGolden, maxAbsDifference } from "./fixtures/detection_golden.js";

torch.setNumThreads(1);
const { get: g, metadata } = detectionGolden("yolact_golden.safetensors");
const config = JSON.parse(metadata["config"]) as { width: number; prototypes: number; classes: number; max_size: number; pred_scales: number[][] };
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

function relativelyWithin(actual: Tensor, expected: Tensor, tolerance: number, what: string): void {
  const diff = maxAbsDifference(actual, expected, what);
  const scale = torch.tidy(() => expected.abs().max().item());
  assert.ok(diff <= tolerance * scale, `${what}: max difference ${diff} > ${tolerance} × ${scale}`);
}

function reducedYolact(): Yolact {
  return new Yolact({
    body: build<Backbone>("backbone", { type: "resnet50", width: 64 / 8 }), numClasses: config.classes, fpnChannels: config.width,
    prototypes: config.prototypes, maxSize: SIZE, priorScales: config.pred_scales.map((s) => s[0]),
  });
}

test("the reduced YOLACT network gives the reference's head outputs and prototypes", () => {
  const start = torch.liveTensors();
  const model = reducedYolact();
  const state = seededState(JSON.parse(metadata["keys"]) as KeyTable, 0);
  const result = model.loadStateDict(keyMapNamed("yolact", "test")(state, "yolact_golden"), { strict: false });
  disposeState(state);
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  torch.noGrad(() => torch.tidy(() => {
    model.eval();
    const ev = model.heads(g("images"));
    within(ev.priors, g("eval.priors"), 1e-7, "priors");
    relativelyWithin(ev.loc, g("eval.loc"), 1e-4, "eval box regressions");
    relativelyWithin(ev.conf.softmax(-1), g("eval.conf"), 1e-4, "eval class confidences");
    relativelyWithin(ev.mask, g("eval.mask"), 1e-4, "eval mask coefficients");
    relativelyWithin(ev.proto, g("eval.proto"), 1e-4, "eval prototypes");
    assert.equal(ev.segm, undefined, "no semantic segmentation logits in eval mode");
    model.train();
    const tr = model.heads(g("images"));
    for (const key of ["loc", "conf", "mask", "proto", "segm"] as const) relativelyWithin(tr[key]!, g(`train.${key}`), 1e-4, `training ${key}`);
  }));
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("the registered yolact_resnet50 has the reference's parameter count and a reason export refuses it", () => {
  const expected = (JSON.parse(metadata["parameters"]) as { yolact_resnet50: number }).yolact_resnet50;
  assert.equal(countParametersOf(() => build<Yolact>("instance_model", { type: "yolact_resnet50" })), expected);
  assert.match(notExportableReason("yolact_resnet50") ?? "", /variable number of detections per image/);
  assert.throws(() => new Yolact({ body: build<Backbone>("backbone", { type: "resnet50", width: 8 }), numClasses: 5, priorScales: [24] }), /priorScales needs one scale per level \(5\), got 1/);
});

function targets(): YolactTarget[] {
  return [0, 1].map((i) => {
    const t = g(`train.target.${i}`);
    return { boxes: t.slice(1, 0, 4), labels: t.select(1, 4).to("int64"), masks: g(`train.masks.${i}`) };
  });
}

function lossesWithin(losses: Record<string, Tensor>, what: string): void {
  assert.deepEqual(Object.keys(losses).sort(), JSON.parse(metadata["loss_keys"]));
  for (const [k, v] of Object.entries(losses)) relativelyWithin(v.reshape([1]), g(`train.loss.${k}`), 1e-4, `${what} loss ${k}`);
}

test("YOLACT's training losses are MultiBoxLoss's", () => {
  const start = torch.liveTensors();
  torch.tidy(() => {
    const raw: YolactRawOutputs = { loc: g("train.loc"), conf: g("train.conf"), mask: g("train.mask"), proto: g("train.proto"), segm: g("train.segm"), priors: g("train.priors") };
    lossesWithin(yolactLosses(raw, targets()), "from the reference's outputs");
    assert.throws(() => yolactLosses({ ...raw, segm: undefined }, targets()), /no semantic segmentation logits/);
    assert.throws(() => yolactLosses(raw, targets().slice(1)), /2 images but 1 targets/);
  });
  const model = reducedYolact();
  const state = seededState(JSON.parse(metadata["keys"]) as KeyTable, 0);
  model.loadStateDict(keyMapNamed("yolact", "test")(state, "yolact_golden"), { strict: false });
  disposeState(state);
  model.train();
  torch.tidy(() => {
    const losses = yolactLosses(model.heads(g("images")), targets());
    lossesWithin(losses, "from our network's outputs");
    Object.values(losses).reduce((a, b) => a.add(b)).backward();
  });
  const grads = model.parameters().filter((p) => p.grad !== null).length;
  assert.equal(grads, model.parameters().length, "every parameter gets a gradient");
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
