// Training proof for Semantic FPN on PoolFormer at reduced width: it overfits four synthetic 128×128
// scenes to at least 0.9 mIoU (eval mode), every trainable parameter gets a non-zero gradient, and
// nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("fpn_poolformer_s12 (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in 100 steps; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "fpn_poolformer_s12", embedDims: [16, 32, 48, 64], depths: [2, 2, 2, 2], neckChannels: 32, headChannels: 32 },
    { steps: 100, lr: 0.003, size: [128, 128] }));
