// Training proof for Semantic FPN on PVT v2 at reduced width, with spatial-reduction and with linear
// attention: each overfits four synthetic 128×128 scenes to at least 0.9 mIoU (eval mode), every
// trainable parameter gets a non-zero gradient, and nothing leaks. (The key half of each attention's
// "kv" bias has a zero gradient in exact arithmetic, softmax removing a per-query constant; the
// value half's makes the tensor's gradient non-zero.)
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { overfit, SCENE_CLASSES, syntheticScenes } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const REDUCED = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], mlpRatios: [4, 4, 4, 4], neckChannels: 32, headChannels: 32 };

for (const [type, steps] of [["fpn_pvt_v2_b0", 100], ["fpn_pvt_v2_b2_li", 150]] as const) {
  test(`${type} (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in ${steps} steps; every trainable parameter gets a gradient`, async () => {
    const start = torch.liveTensors();
    torch.manualSeed(0);
    const model = build<Segmentor>("model", { type, numClasses: SCENE_CLASSES, ...REDUCED, ...(type.endsWith("_li") ? { depths: [2, 2, 2, 2] } : {}) });
    const { x, y } = await syntheticScenes(4, [128, 128]);
    const { mIoU, losses, withoutGradient } = overfit(model, x, y, { steps, lr: 0.003 });
    assert.deepEqual(withoutGradient, [], "trainable parameters without a non-zero gradient");
    assert.ok(losses.every(Number.isFinite), "finite losses");
    assert.ok(mIoU >= 0.9, `mIoU ${mIoU.toFixed(4)} after ${steps} steps (loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)})`);
    model.dispose();
    x.dispose();
    y.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}
