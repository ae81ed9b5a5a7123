// PointRend on Semantic FPN against mmsegmentation's (github:open-mmlab/mmsegmentation: FPN neck,
// FPNHead, PointHead with mmcv's point_sample, composed as configs/_base_/models/pointrend_r50.py;
// fixtures/pointrend_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): the
// reference's state dict, by mmseg's names through the "mmseg_pointrend" key map, loads with no
// missing or unexpected key; on a 50×67 input the inference output (two subdivision steps refining
// 200 of 884 and of 3,536 cells) and its gradients agree within 1e-4 relative; with the same seed the
// training step draws the same importance-sampled points, and the point logits and point loss agree.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type PointRend } from "../src/models/index.js";
import { pointSample } from "../src/models/blocks/point-sample.js";
import { mostUncertainCells } from "../src/models/segmentors/point-rend/points.js";
import { exportModel } from "../src/engine/export-model.js";
import { checkOutputsAndGradients, disposeState, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const golden = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/pointrend_golden.safetensors", import.meta.url)));
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
});
const REDUCED = {
  type: "pointrend_r50", numClasses: 5, backbone: { type: "resnet18", deepStem: true, width: 4 }, neckChannels: 8, headChannels: 8, pointChannels: 8,
  subdivisionNumPoints: 200, numPoints: 64,
};

function referenceModel(): { model: PointRend; ownKey: (key: string) => string } {
  const model = build<PointRend>("model", REDUCED);
  const state = seededState(JSON.parse(golden.metadata["pointrend.keys"]) as KeyTable, 0);
  const keyMap = keyMapNamed("mmseg_pointrend", "test");
  const keys = new Set(state.keys());
  assert.deepEqual(model.loadStateDict(keyMap(state, "pointrend"), { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  disposeState(state);
  return { model: model.eval(), ownKey: (key) => keyMap.renameKey!(key, keys) };
}

test("fixture records the reference repositories and commits", () => {
  assert.equal(golden.metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(golden.metadata.mmcv_repository, "github:open-mmlab/mmcv");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
});

test("pointrend (reduced): mmseg keys load, the subdivided inference output and its gradients match", () => {
  const start = torch.liveTensors();
  const { model, ownKey } = referenceModel();
  const output = model.call(golden.tensors.get("input")!);
  assert.deepEqual(output.shape, [2, 5, 50, 67]);
  checkOutputsAndGradients(model, golden, "pointrend", [output], { ownKey });
  output.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("subdivision really refines: each step replaces the logits of its 200 most uncertain cells, and only those", () => {
  const { model } = referenceModel();
  const oneStep = build<PointRend>("model", { ...REDUCED, subdivisionSteps: 1 });
  oneStep.loadStateDict(model.stateDict());
  oneStep.eval();
  torch.tidy(() => torch.noGrad(() => {
    const features = model.features(golden.tensors.get("input")!);
    const coarse = model.coarse(features);
    assert.deepEqual(coarse.shape, [2, 5, 13, 17]);
    const first = oneStep.refine(features, coarse);
    const second = model.refine(features, coarse);
    assert.deepEqual([first.shape, second.shape], [[2, 5, 26, 34], [2, 5, 52, 68]]);
    const changedCells = (refined: torch.Tensor, before: torch.Tensor): number[] =>
      refined.sub(torch.upsampleBilinear2d(before, refined.shape.slice(2), false)).abs().amax(1).gt(0).sum([1, 2]).toArray() as number[];
    assert.deepEqual(changedCells(first, coarse), [200, 200]);
    assert.deepEqual(changedCells(second, first), [200, 200]);
  }));
  oneStep.dispose();
  model.dispose();
});

test("training draws the reference's importance-sampled points; point logits and point loss match", () => {
  const { model } = referenceModel();
  torch.tidy(() => torch.noGrad(() => {
    const x = golden.tensors.get("input")!;
    const features = model.features(x);
    const coarse = model.coarse(features);
    torch.manualSeed(5);
    const points = model.trainPoints(coarse);
    assert.ok(relativeDifference(points, golden.tensors.get("train.points")!) <= 1e-6, "points");
    const loss = model.pointLoss(features, coarse, points, golden.tensors.get("train.label")!);
    const reference = golden.tensors.get("train.point_loss")!.item();
    assert.ok(Math.abs(loss.item() - reference) <= 1e-4 * reference, `point loss ${loss.item()} vs ${reference}`);
  }));
  model.dispose();
});

test("point selection: the most uncertain cells' centres, where pointSample reads a map's cell values", () => {
  torch.tidy(() => {
    // Two classes on a 3×4 map; |logit difference| is smallest at cell (1, 2), then (2, 0).
    const difference = [[5, 4, 3, 6], [7, 8, 0.5, 9], [1, 10, 11, 12]];
    const logits = torch.stack([torch.zeros([3, 4]), torch.tensor(difference, { dtype: "float32" })]).unsqueeze(0);
    const { indices, points } = mostUncertainCells(logits, 2);
    assert.deepEqual(indices.toArray(), [6, 8]);
    const close = (actual: torch.Tensor, expected: number[]): void =>
      (actual.toArray() as number[]).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${v} vs ${expected[i]}`));
    close(points, [2.5 / 4, 1.5 / 3, 0.5 / 4, 2.5 / 3]);
    close(pointSample(logits, points), [0, 0, 0.5, 1]);
  });
});

test("full-size parameter count equals mmsegmentation's pointrend_r50 composition (19 classes)", () => {
  const counts = JSON.parse(golden.metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "pointrend_r50", numClasses: 19 }), counts.pointrend_r50);
});

test("pointrend options are checked", () => {
  assert.throws(() => build("model", { ...REDUCED, oversampleRatio: 0.5 }), /PointRend: oversampleRatio must be at least 1, got 0.5/);
  assert.throws(() => build("model", { ...REDUCED, importanceSampleRatio: 2 }), /PointRend: importanceSampleRatio must be within \[0, 1\], got 2/);
  assert.throws(() => build("model", { ...REDUCED, subdivisionNumPoints: 0 }), /PointRend: subdivisionNumPoints must be a positive integer, got 0/);
});

test("pointrend export is refused with its registered reason", () => {
  const model = build<PointRend>("model", REDUCED).eval();
  assert.throws(() => exportModel(model, "/nonexistent/pointrend.onnx", { format: "onnx", size: [64, 64], modelType: "pointrend_r50" }), /is not exportable: adaptive subdivision selects its cells with aten::topk/);
  model.dispose();
});
