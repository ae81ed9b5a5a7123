// Mask2Former's point-sampled set criterion against the authors' (SetCriterion and HungarianMatcher
// of github:facebookresearch/Mask2Former, detectron2's point sampling), recorded by
// fixtures/mask2former_make_golden.py on Debian's torch 1.13 with the generator seeded just before
// the call on both sides, so the random points (the matcher's uniform draws and the loss's
// importance sampling) are the same numbers when the draws come in the authors' order: the matcher's
// cost matrices within 1e-4 relative and its assignments equal to scipy's, the weighted losses of 3
// layers × 3 images (3, 2 and 1 targets) and their gradients within 1e-4 relative.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Match, MaskTarget } from "../src/models/segmentors/maskformer/mask-matcher.js";
import { PointSetCriterion } from "../src/models/segmentors/mask2former/criterion.js";
import { pointMatchingCost } from "../src/models/segmentors/mask2former/point-matcher.js";
import { relativeDifference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/mask2former_golden.safetensors", import.meta.url));
const { tensors, metadata } = torch.loadSafetensors(FIXTURE);
const get = (key: string): Tensor => {
  const t = tensors.get(key);
  assert.ok(t, `fixture has ${key}`);
  return t;
};
const OPTIONS = { numClasses: 4, classWeight: 2, maskWeight: 5, diceWeight: 5, numPoints: 64, oversampleRatio: 3, importanceSampleRatio: 0.75 };
const targets: MaskTarget[] = [0, 1, 2].map((b) => ({ labels: get(`criterion.labels.${b}`), masks: get(`criterion.masks.${b}`) }));

test("PointSetCriterion: costs, assignments, weighted losses of every layer and their gradients equal the authors'", () => {
  const logits = get("criterion.logits").detach().requiresGrad_();
  const masks = get("criterion.masks").detach().requiresGrad_();
  const criterion = new PointSetCriterion(OPTIONS);
  const matches: Match[][] = [];
  torch.manualSeed(Number(metadata["criterion.seed"]));
  const parts = criterion.losses({ logits, masks }, targets, matches);
  const names = [...tensors.keys()].filter((k) => k.startsWith("criterion.loss.")).map((k) => k.slice("criterion.loss.".length)).sort();
  assert.deepEqual(Object.keys(parts).sort(), names);
  assert.equal(names.length, 9);
  for (const name of names) {
    const [own, expected] = [parts[name].item(), get(`criterion.loss.${name}`).item()];
    assert.ok(Math.abs(own - expected) <= 1e-4 * Math.abs(expected), `${name}: ${own} vs ${expected}`);
  }
  // matches: the last layer first, then the others in order (the authors' order).
  assert.equal(matches.length, 3, "one assignment list per layer");
  [2, 0, 1].forEach((layer, i) => matches[i].forEach((match, b) => {
    const expected = get(`criterion.match.${layer}.${b}`).toArray();
    const pairs = expected.length / 2;
    assert.deepEqual([...match.queries], expected.slice(0, pairs), `layer ${layer} image ${b}: queries`);
    assert.deepEqual([...match.targets], expected.slice(pairs), `layer ${layer} image ${b}: targets`);
  }));
  torch.tidy(() => Object.values(parts).reduce((a, v) => a.add(v)).backward());
  for (const [grad, key] of [[logits.grad!, "criterion.grad.logits"], [masks.grad!, "criterion.grad.masks"]] as const) {
    const diff = relativeDifference(grad, get(key));
    assert.ok(diff <= 1e-4, `${key}: relative difference ${diff}`);
  }
  for (const t of [...Object.values(parts), logits, masks]) t.dispose();
});

test("the matcher's cost at the same points equals the authors'", () => {
  // The matcher's draws under the seed: the last layer's images first, one (P, 2) draw each.
  torch.manualSeed(Number(metadata["criterion.seed"]));
  const logits = get("criterion.logits");
  const masks = get("criterion.masks");
  for (let b = 0; b < 3; b++) {
    const cost = torch.tidy(() => pointMatchingCost(logits.select(0, 2).select(0, b), masks.select(0, 2).select(0, b), targets[b], torch.rand([64, 2]), OPTIONS));
    const diff = relativeDifference(cost, get(`criterion.cost.2.${b}`));
    assert.ok(diff <= 1e-4, `image ${b}: cost relative difference ${diff}`);
    cost.dispose();
  }
});

test("PointSetCriterion without targets: the mask losses are zero; bad options are named", () => {
  const logits = torch.randn([2, 2, 6, 5]);
  const masks = torch.randn([2, 2, 6, 8, 8]);
  const none = (): MaskTarget => ({ labels: torch.zeros([0], { dtype: "int64" }), masks: torch.zeros([0, 16, 16]) });
  const parts = new PointSetCriterion(OPTIONS).losses({ logits, masks }, [none(), none()]);
  for (const key of ["loss_mask", "loss_dice", "loss_mask_0", "loss_dice_0"]) assert.ok(parts[key].item() === 0, `${key}: ${parts[key].item()}`);
  assert.ok(parts.loss_ce.item() > 0);
  for (const t of [...Object.values(parts), logits, masks]) t.dispose();
  assert.throws(() => new PointSetCriterion({ ...OPTIONS, numPoints: 0 }), /numPoints must be an integer ≥ 1, got 0/);
  assert.throws(() => new PointSetCriterion({ ...OPTIONS, oversampleRatio: 0.5 }), /oversampleRatio must be a number ≥ 1, got 0.5/);
});
