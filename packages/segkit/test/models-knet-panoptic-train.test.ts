// The training proof for K-Net panoptic: a reduced model (ResNet-18 of width 8, UPerHead of 32
// channels, 8 thing kernels and one kernel per stuff class, 2 update stages) overfits the synthetic
// panoptic scenes (test/fixtures/panoptic-overfit.ts) to PQ ≥ 0.8 with the thresholds `segkit eval
// --task panoptic` uses for it (the authors' K-Net ones, model.panopticThresholds).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import type { KNetPanoptic } from "../src/models/segmentors/knet/model.js";
import { overfitPanoptic } from "./fixtures/panoptic-overfit.js";

torch.setNumThreads(1);
const STEPS = 120;

test("K-Net panoptic (reduced) overfits synthetic panoptic scenes; every parameter gets a gradient", async () => {
  const config = {
    type: "knet_s3_panoptic_r50", backbone: { type: "resnet18", width: 8 }, generateHead: { channels: 32 },
    numProposals: 8, numStages: 2, updatorChannels: 16, numHeads: 4, feedforwardChannels: 64,
  };
  const thresholds = (model: unknown) => (model as KNetPanoptic).panopticThresholds;
  const { pq, sq, rq, losses, seconds } = await overfitPanoptic(config, STEPS, thresholds, true);
  const summary = `PQ ${pq.toFixed(3)} (SQ ${sq.toFixed(3)}, RQ ${rq.toFixed(3)}) after ${STEPS} steps in ${seconds.toFixed(1)} s; loss ${losses[0].toFixed(2)} -> ${losses.at(-1)!.toFixed(2)}`;
  console.log(`K-Net panoptic overfit: ${summary}`);
  assert.ok(pq >= 0.8, summary);
});
