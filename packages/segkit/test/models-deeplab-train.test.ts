// Training proof for DeepLab v2 at reduced size (one bottleneck per stage, stem width 8, ASPP rates
// 1/2/3/4 for the small maps, the three input scales): it overfits four synthetic 160×160 scenes to at
// least 0.9 mIoU (eval mode, max-fused logits), every trainable parameter gets a non-zero gradient,
// and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("deeplabv2 (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "deeplabv2_r101", blocks: [1, 1, 1, 1], width: 8, rates: [1, 2, 3, 4] }, { steps: 150, lr: 0.005, size: [160, 160] }));
