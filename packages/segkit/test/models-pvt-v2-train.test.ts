// Training proof for Semantic FPN on PVT v2 at reduced width, with spatial-reduction and with linear
// attention: each overfits four synthetic 128×128 scenes to at least 0.9 mIoU (eval mode), every
// trainable parameter gets a non-zero gradient, and nothing leaks. (The key half of each attention's
// "kv" bias has a zero gradient in exact arithmetic, softmax removing a per-query constant; the
// value half's makes the tensor's gradient non-zero.)
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const REDUCED = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], mlpRatios: [4, 4, 4, 4], neckChannels: 32, headChannels: 32 };

for (const [type, steps] of [["fpn_pvt_v2_b0", 100], ["fpn_pvt_v2_b2_li", 150]] as const) {
  test(`${type} (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in ${steps} steps; every trainable parameter gets a gradient`, () =>
    assertOverfits({ type, ...REDUCED, depths: [2, 2, 2, 2] }, { steps, lr: 0.003, size: [128, 128] }));
}
