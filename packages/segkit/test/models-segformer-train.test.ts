// Training proof for SegFormer at reduced width: it overfits four synthetic 128×128 scenes to at least
// 0.9 mIoU (eval mode), every trainable parameter gets a non-zero gradient, and nothing leaks. (The
// attention key biases' gradients are zero in exact arithmetic — softmax removes a per-query constant —
// so theirs are rounding noise; the parity test checks they stay at that level, as in the authors' code.)
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { overfit, SCENE_CLASSES, syntheticScenes } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const STEPS = 100;

test(`segformer (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in ${STEPS} steps; every trainable parameter gets a gradient`, async () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<Segmentor>("model", {
    type: "segformer_b0", numClasses: SCENE_CLASSES, embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], decoderChannels: 32,
  });
  const { x, y } = await syntheticScenes(4, [128, 128]);
  const { mIoU, losses, withoutGradient } = overfit(model, x, y, { steps: STEPS, lr: 0.003 });
  assert.deepEqual(withoutGradient, [], "trainable parameters without a non-zero gradient");
  assert.ok(losses.every(Number.isFinite), "finite losses");
  assert.ok(mIoU >= 0.9, `mIoU ${mIoU.toFixed(4)} after ${STEPS} steps (loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)})`);
  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
