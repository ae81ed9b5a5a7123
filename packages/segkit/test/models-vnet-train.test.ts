// V-Net's training proof on the built-in synthetic volumes: a reduced V-Net (width 2, no dropout)
// overfits four 16³ volumes to mIoU ≥ 0.9 (eval mode, BatchNorm statistics re-estimated), every
// trainable parameter gets a non-zero gradient, no tensor outlives the run. Export is refused with
// its registered reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { SyntheticVolumeDataset, SYNTHETIC_VOLUME_CLASSES } from "../src/data/volumes/synthetic-volumes.js";
import type { VNet } from "../src/models/index.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import "../src/models/index.js";
import { overfit } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("vnet (width 2) overfits 4 synthetic 16³ volumes to mIoU >= 0.9, a gradient on every parameter", async () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const dataset = new SyntheticVolumeDataset(4, [16, 16, 16], 3);
  const samples = await Promise.all([0, 1, 2, 3].map((i) => dataset.raw(i)));
  const { x, y } = torch.tidy(() => ({
    x: torch.stack(samples.map((s) => torch.tensor(s.image).reshape([1, ...s.shape]))),
    y: torch.stack(samples.map((s) => torch.tensor(s.label).reshape(s.shape).to("int64"))),
  }));
  const model = build<VNet>("model", {
    type: "vnet", numClasses: SYNTHETIC_VOLUME_CLASSES.length, width: 2, dropoutDown: null, dropoutUp: [null, 0],
  });
  const { mIoU, losses, withoutGradient } = overfit(model, x, y, { steps: 250, lr: 0.01 });
  assert.deepEqual(withoutGradient, [], "trainable parameters without a non-zero gradient");
  assert.ok(losses.every(Number.isFinite), "finite losses");
  assert.ok(mIoU >= 0.9, `mIoU ${mIoU.toFixed(4)} (loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)})`);
  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("vnet is not exportable yet, with its reason", () => {
  assert.match(notExportableReason("vnet") ?? "", /V-Net takes \(N, C, D, H, W\) volumes/);
});
