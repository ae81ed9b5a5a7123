// K-Net panoptic's update stages against the authors' own code (github:ZwwWayne/K-Net: KernelIterHead,
// KernelUpdateHead, KernelUpdator, MaskHungarianAssigner, their dice loss; fixtures/
// knet_panoptic_make_golden.py, Debian's torch 1.13; seeded weights regenerated here): 2 stages of 32
// channels, 4 thing kernels + 2 stuff kernels, 3 thing and 2 stuff classes, on the same random stage
// inputs. The authors' stage keys load into mask_head as they are; every stage's class and mask logits
// agree within 1e-4 relative; so do the matching costs of each stage (stage s assigned with stage s−1's
// predictions, stage 0 with the first masks) and our matcher makes the authors' assignment; with that
// assignment fixed, every stage's focal, BCE, dice and rank losses, the first masks' BCE, dice, rank and
// class-map focal losses (the authors' ConvKernelHead.loss) and the gradients of their sum (every
// stage parameter, the features, the kernels, the first masks and class maps) agree within 1e-4
// relative; the panoptic merging of the
// last stage gives the authors' panoptic map. Not covered by the reference: the part before the stages
// (the authors' ConvKernelHead over an FPN, ours a decode head; model.ts says how they differ). At
// full size, the update stages, init_kernels and the class-map conv have the authors' parameter counts.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import type { Match, MaskTarget } from "../src/models/segmentors/maskformer/mask-matcher.js";
import type { KNetPanoptic } from "../src/models/segmentors/knet/model.js";
import { kernelMatchingCost } from "../src/models/segmentors/knet/kernel-matcher.js";
import { kernelPanopticInference, KNET_PANOPTIC_THRESHOLDS } from "../src/models/segmentors/knet/inference.js";
import { countParametersOf } from "../src/models/complexity.js";
import { checkGradients, loadReference, relativeDifference, type Golden } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/knet_panoptic_golden.safetensors", import.meta.url));
const golden: Golden = torch.loadSafetensors(FIXTURE);
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
});
const get = (key: string): Tensor => {
  const t = golden.tensors.get(key);
  assert.ok(t, `fixture has ${key}`);
  return t;
};
const { things: THINGS, stuff: STUFF, proposals: PROPOSALS, channels: C, stages: STAGES } = JSON.parse(golden.metadata.layout) as Record<string, number>;
const NUM_CLASSES = THINGS + STUFF;
const STUFF_CLASSES = Array.from({ length: STUFF }, (_, s) => THINGS + s);
const BATCH = get("features").shape[0];

/** The reduced model with the authors' seeded stage weights in mask_head (its keys as theirs). */
function referenceModel(): KNetPanoptic {
  const model = build<KNetPanoptic>("model", {
    type: "knet_s3_panoptic_r50", numClasses: NUM_CLASSES, stuffClasses: STUFF_CLASSES, backbone: { type: "resnet18", width: 8 }, generateHead: { channels: C },
    numProposals: PROPOSALS, numStages: STAGES, updatorChannels: C, numHeads: 4, feedforwardChannels: 64,
  });
  loadReference(model.mask_head, golden, "stages", (key) => key.replace(/^mask_head\./, ""));
  return model;
}

/** Image b's targets as segkit takes them: the thing segments, then the stuff segments. */
function target(b: number): MaskTarget {
  return {
    labels: torch.cat([get(`target.${b}.thing_labels`), get(`target.${b}.stuff_labels`)]),
    masks: torch.cat([get(`target.${b}.things`), get(`target.${b}.stuff`)]),
  };
}

/** The authors' assignment of stage s, image b (gt_inds: 0 unassigned, j+1 for thing j; stuff kernels take their classes) as a Match. */
function referenceMatch(s: number, b: number): Match {
  const gtInds = get(`assign.${s}.${b}.gt_inds`).toArray() as number[];
  const pairs: [number, number][] = gtInds.flatMap((j, kernel) => (j > 0 ? [[kernel, j - 1] as [number, number]] : []));
  const thingCount = get(`target.${b}.thing_labels`).shape[0];
  (get(`target.${b}.stuff_labels`).toArray() as number[]).forEach((c, i) => pairs.push([PROPOSALS + c - THINGS, thingCount + i]));
  pairs.sort((p, q) => p[0] - q[0]);
  return { queries: Int32Array.from(pairs, (p) => p[0]), targets: Int32Array.from(pairs, (p) => p[1]) };
}

test("fixture records the authors' repository and commit", () => {
  assert.equal(golden.metadata.repository, "github:ZwwWayne/K-Net");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
});

test("K-Net panoptic stages: the authors' logits, matching costs and assignments, losses and gradients, panoptic map", () => {
  const start = torch.liveTensors();
  const model = referenceModel();
  const features = get("features").detach().requiresGrad_();
  const kernels = get("kernels").detach().requiresGrad_();
  const thingInit = get("thing_init").detach().requiresGrad_();
  const semantic = get("semantic").detach().requiresGrad_();
  const initial = torch.tidy(() => torch.cat([thingInit, semantic.narrow(1, THINGS, STUFF)], 1));
  const { logits, masks } = model.stages(features, kernels, initial);
  for (let s = 0; s < STAGES; s++) {
    for (const [name, ours] of [["logits", logits], ["masks", masks]] as const) {
      const diff = torch.tidy(() => relativeDifference(ours.select(0, s), get(`stage.${s}.${name}`)));
      assert.ok(diff <= 1e-4, `stage ${s} ${name}: relative difference ${diff}`);
    }
  }

  const targets = Array.from({ length: BATCH }, (_, b) => target(b));
  const weights = model.criterion.weights;
  torch.tidy(() => {
    for (let s = 0; s < STAGES; s++) {
      for (let b = 0; b < BATCH; b++) {
        const thingCount = get(`target.${b}.thing_labels`).shape[0];
        const things = { labels: get(`target.${b}.thing_labels`), masks: get(`target.${b}.things`) };
        const cost = kernelMatchingCost(s === 0 ? null : logits.select(0, s - 1).select(0, b).narrow(0, 0, PROPOSALS),
          (s === 0 ? initial : masks.select(0, s - 1)).select(0, b).narrow(0, 0, PROPOSALS), things, weights);
        assert.equal(cost.shape[1], thingCount);
        const diff = relativeDifference(cost, get(`assign.${s}.${b}.cost`));
        assert.ok(diff <= 1e-4, `stage ${s} image ${b} matching cost: relative difference ${diff}`);
      }
    }
  });

  const predictions = { logits, masks, initial, semantic };
  const ownMatches: Match[][] = [];
  torch.tidy(() => torch.noGrad(() => Object.values(model.criterion.losses(predictions, targets, ownMatches)).forEach((t) => t.dispose())));
  const fixed = Array.from({ length: STAGES }, (_, s) => Array.from({ length: BATCH }, (_, b) => referenceMatch(s, b)));
  assert.deepEqual(ownMatches, fixed, "our matcher makes the authors' assignment at every stage");
  for (let b = 0; b < BATCH; b++) {
    assert.deepEqual(get(`assign.init.${b}.gt_inds`).toArray(), get(`assign.0.${b}.gt_inds`).toArray(), "the authors' first-mask losses use stage 0's assignment");
  }

  const parts = model.criterion.losses(predictions, targets, [], fixed);
  for (let s = 0; s < STAGES; s++) {
    for (const name of ["loss_cls", "loss_mask", "loss_dice", "loss_rank"]) {
      const ours = parts[`s${s}.${name}`].item();
      const theirs = get(`loss.s${s}_${name}`).item();
      assert.ok(Math.abs(ours - theirs) <= 1e-4 * Math.abs(theirs), `s${s}.${name}: ${ours} vs ${theirs}`);
    }
  }
  for (const name of ["mask", "dice", "rank", "seg"]) {
    const [ours, theirs] = [parts[`init.loss_${name}`].item(), get(`loss.init_${name}`).item()];
    assert.ok(Math.abs(ours - theirs) <= 1e-4 * Math.abs(theirs), `init.loss_${name}: ${ours} vs ${theirs}`);
  }
  assert.equal(Object.keys(parts).length, 4 * STAGES + 4);
  torch.tidy(() => Object.values(parts).reduce((a, b) => a.add(b)).backward());
  checkGradients(model, golden.tensors, "loss.", JSON.parse(golden.metadata["loss.nograd"]) as string[]);
  for (const [name, input] of [["features", features], ["kernels", kernels], ["thing_init", thingInit], ["semantic", semantic]] as const) {
    const diff = torch.tidy(() => relativeDifference(input.grad!, get(`input_grad.${name}`)));
    assert.ok(diff <= 1e-4, `gradient of the ${name}: relative difference ${diff}`);
  }

  // The last stage's panoptic map, in the authors' encoding: class + 1000 × segment index, void = NUM_CLASSES.
  const isThing = Array.from({ length: NUM_CLASSES }, (_, c) => c < THINGS);
  let kept = 0;
  for (let b = 0; b < BATCH; b++) {
    const { ids, segments } = torch.tidy(() => torch.noGrad(() => kernelPanopticInference(logits.select(0, STAGES - 1).select(0, b).sigmoid(),
      masks.select(0, STAGES - 1).select(0, b).sigmoid(), PROPOSALS, STUFF_CLASSES, { isThing, ...KNET_PANOPTIC_THRESHOLDS })));
    const encoded = Array.from(ids, (id) => (id === 0 ? NUM_CLASSES : segments[id - 1].category + 1000 * (id - 1)));
    assert.deepEqual(encoded, get(`panoptic.${b}`).toArray(), `image ${b}'s panoptic map`);
    assert.ok(encoded.includes(NUM_CLASSES), "the merge drops kernels: void pixels");
    kept += segments.length;
  }
  assert.ok(kept >= 3, `the merge keeps segments: ${kept}`);

  [features, kernels, thingInit, semantic, initial, logits, masks, ...Object.values(parts), ...targets.flatMap((t) => [t.labels, t.masks])].forEach((t) => t.dispose());
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("knet_s3_panoptic_r50 at full size: the update stages, init_kernels and the class-map conv have the authors' parameter counts", () => {
  const counts = JSON.parse(golden.metadata.parameters) as Record<string, number>;
  const ours: Record<string, number> = {};
  countParametersOf(() => {
    // The backbone and the generating head's body differ from the authors' (model.ts); 133 classes are COCO panoptic's.
    const model = build<KNetPanoptic>("model", { type: "knet_s3_panoptic_r50", numClasses: 133, backbone: { type: "resnet18", width: 8 } });
    const size = (prefix: string): number => [...model.namedParameters()].filter(([key]) => key.startsWith(prefix)).reduce((sum, [, p]) => sum + p.numel(), 0);
    ours.mask_head = size("mask_head.");
    ours.init_kernels = size("init_kernels.");
    ours.conv_seg = size("kernel_generate_head.conv_seg.");
    return model;
  });
  assert.deepEqual(ours, counts);
});
