// MaskFormer's set criterion and inference against the authors' code (SetCriterion and
// HungarianMatcher of github:facebookresearch/MaskFormer, semantic_inference and panoptic_inference of
// its MaskFormer, instance_inference of github:facebookresearch/Mask2Former), recorded by
// fixtures/maskformer_make_golden.py on Debian's torch 1.13: the matcher's cost matrices within 1e-4
// relative and its assignments equal to scipy's, the weighted losses of 3 decoder layers × 3 images
// (3, 2 and 1 targets) and their gradients within 1e-4 relative; semantic maps, panoptic ids and
// segments, and top-k instances equal to the reference's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { instanceInference, panopticInference, semanticInference } from "../src/models/segmentors/maskformer/inference.js";
import { matchingCost, matchMasks, type Match, type MaskTarget } from "../src/models/segmentors/maskformer/mask-matcher.js";
import { SetCriterion } from "../src/models/segmentors/maskformer/set-criterion.js";
import { relativeDifference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/maskformer_golden.safetensors", import.meta.url));
const { tensors, metadata } = torch.loadSafetensors(FIXTURE);
const get = (key: string): Tensor => {
  const t = tensors.get(key);
  assert.ok(t, `fixture has ${key}`);
  return t;
};
const WEIGHTS = { classWeight: 1, maskWeight: 20, diceWeight: 1 };
const targets: MaskTarget[] = [0, 1, 2].map((b) => ({ labels: get(`criterion.labels.${b}`), masks: get(`criterion.masks.${b}`) }));

test("the matcher's costs match the authors' and its assignments scipy's", () => {
  const logits = get("criterion.logits");
  const masks = get("criterion.masks");
  let compared = 0;
  for (let layer = 0; layer < 3; layer++) {
    for (let b = 0; b < 3; b++) {
      const l = logits.select(0, layer).select(0, b);
      const m = masks.select(0, layer).select(0, b);
      const match = matchMasks(l, m, targets[b], WEIGHTS);
      const expected = get(`criterion.match.${layer}.${b}`).toArray();
      const pairs = expected.length / 2;
      assert.equal(pairs, targets[b].labels.shape[0]);
      assert.deepEqual([...match.queries], expected.slice(0, pairs), `layer ${layer} image ${b}: queries`);
      assert.deepEqual([...match.targets], expected.slice(pairs), `layer ${layer} image ${b}: targets`);
      const cost = matchingCost(l, m, targets[b], WEIGHTS);
      const diff = relativeDifference(cost, get(`criterion.cost.${layer}.${b}`));
      assert.ok(diff <= 1e-4, `layer ${layer} image ${b}: cost relative difference ${diff}`);
      cost.dispose();
      compared++;
      l.dispose();
      m.dispose();
    }
  }
  assert.equal(compared, 9, "3 images on each of 3 layers");
});

test("SetCriterion: weighted losses of every layer and their gradients equal the authors'", () => {
  const logits = get("criterion.logits").detach().requiresGrad_();
  const masks = get("criterion.masks").detach().requiresGrad_();
  const criterion = new SetCriterion({ numClasses: 4 });
  const matches: Match[][] = [];
  const parts = criterion.losses({ logits, masks }, targets, matches);
  const names = [...tensors.keys()].filter((k) => k.startsWith("criterion.loss.")).map((k) => k.slice("criterion.loss.".length)).sort();
  assert.deepEqual(Object.keys(parts).sort(), names);
  assert.equal(names.length, 9);
  for (const name of names) {
    const [own, expected] = [parts[name].item(), get(`criterion.loss.${name}`).item()];
    assert.ok(Math.abs(own - expected) <= 1e-4 * Math.abs(expected), `${name}: ${own} vs ${expected}`);
  }
  assert.equal(matches.length, 3, "one assignment list per layer");
  torch.tidy(() => Object.values(parts).reduce((a, v) => a.add(v)).backward());
  for (const [grad, key] of [[logits.grad!, "criterion.grad.logits"], [masks.grad!, "criterion.grad.masks"]] as const) {
    const diff = relativeDifference(grad, get(key));
    assert.ok(diff <= 1e-4, `${key}: relative difference ${diff}`);
  }
  for (const t of [...Object.values(parts), logits, masks]) t.dispose();
});

// No reference: the authors' matcher fails on an image without targets (reshape of an empty cost).
test("SetCriterion without targets: every query's class target is no-object, the mask losses are zero", () => {
  const logits = torch.randn([2, 2, 6, 5]);
  const masks = torch.randn([2, 2, 6, 8, 8]);
  const none = (): MaskTarget => ({ labels: torch.zeros([0], { dtype: "int64" }), masks: torch.zeros([0, 16, 16]) });
  const parts = new SetCriterion({ numClasses: 4 }).losses({ logits, masks }, [none(), none()]);
  // All targets are class 4 with one weight, so the weighted mean is the plain mean of −log p(4).
  const expected = torch.tidy(() => torch.logSoftmax(logits.select(0, 1), -1).select(-1, 4).mean().neg().item());
  assert.ok(Math.abs(parts.loss_ce.item() - expected) <= 1e-6 * expected, `${parts.loss_ce.item()} vs ${expected}`);
  for (const key of ["loss_mask", "loss_dice", "loss_mask_0", "loss_dice_0"]) assert.ok(parts[key].item() === 0, `${key}: ${parts[key].item()}`);
  for (const t of [...Object.values(parts), logits, masks]) t.dispose();
});

test("SetCriterion refuses targets that do not fit", () => {
  const criterion = new SetCriterion({ numClasses: 4 });
  const predictions = { logits: torch.zeros([1, 1, 6, 5]), masks: torch.zeros([1, 1, 6, 8, 8]) };
  const wrong = (labels: number[], masks: number[]): MaskTarget[] => [{ labels: torch.tensor(labels, { dtype: "int64" }), masks: torch.zeros(masks) }];
  assert.throws(() => criterion.losses(predictions, wrong([4], [1, 8, 8])), /targets\[0\]\.labels must be in \[0, 4\), got values from 4 to 4/);
  assert.throws(() => criterion.losses(predictions, wrong([1, 2], [1, 8, 8])), /targets\[0\]\.masks must be \(2, H, W\)/);
  assert.throws(() => criterion.losses(predictions, [...wrong([1], [1, 8, 8]), ...wrong([1], [1, 8, 8])]), /1 images but 2 targets/);
  assert.throws(() => new SetCriterion({ numClasses: 4, eosCoef: -1 }), /eosCoef must be a finite number ≥ 0, got -1/);
});

test("semantic inference equals the authors' semantic_inference", () => {
  const maps = semanticInference(get("inference.logits"), get("inference.masks"));
  const diff = relativeDifference(maps, get("inference.semantic"));
  assert.ok(diff <= 1e-5, `relative difference ${diff}`);
  maps.dispose();
});

for (const name of ["loose", "strict"]) {
  test(`panoptic inference (${name} thresholds) equals the authors' panoptic_inference`, () => {
    const [objectMaskThreshold, overlapThreshold] = JSON.parse(metadata[`inference.panoptic.${name}.thresholds`]) as number[];
    const things = JSON.parse(metadata["inference.things"]) as number[];
    const isThing = [0, 1, 2, 3, 4].map((c) => things.includes(c));
    const { ids, segments } = panopticInference(get("inference.logits"), get("inference.masks"), { isThing, objectMaskThreshold, overlapThreshold });
    const expected = JSON.parse(metadata[`inference.panoptic.${name}.segments`]) as { id: number; isthing: boolean; category_id: number }[];
    assert.ok(expected.length >= 2, "the reference kept segments");
    assert.deepEqual(segments, expected.map((s) => ({ id: s.id, category: s.category_id, isThing: s.isthing })));
    assert.deepEqual([...ids], get(`inference.panoptic.${name}`).toArray());
  });
}

for (const [name, thingsOnly] of [["all", false], ["things", true]] as const) {
  test(`instance inference (top 8, ${name}) equals Mask2Former's instance_inference`, () => {
    const things = JSON.parse(metadata["inference.things"]) as number[];
    const result = instanceInference(get("inference.logits"), get("inference.masks"), 8, thingsOnly ? [0, 1, 2, 3, 4].map((c) => things.includes(c)) : null);
    // Compared in order of final score, as the fixture stores the reference's.
    const order = Array.from(result.scores.keys()).sort((a, b) => result.scores[b] - result.scores[a]);
    const scores = get(`inference.instance.${name}.scores`).toArray();
    assert.equal(order.length, scores.length);
    order.forEach((k, i) => assert.ok(Math.abs(result.scores[k] - scores[i]) <= 1e-5 * Math.abs(scores[i]), `score ${i}: ${result.scores[k]} vs ${scores[i]}`));
    assert.deepEqual(order.map((k) => result.labels[k]), get(`inference.instance.${name}.labels`).toArray());
    const masks = result.masks.indexSelect(0, torch.tensor(order, { dtype: "int64" }));
    assert.deepEqual(masks.toArray(), get(`inference.instance.${name}.masks`).toArray());
    masks.dispose();
    result.masks.dispose();
  });
}
