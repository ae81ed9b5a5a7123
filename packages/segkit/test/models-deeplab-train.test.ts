// Training proof for DeepLab v2 (one bottleneck per stage, stem width 8, ASPP rates 1/2/3/4 for the
// small maps, the three input scales) and ParseNet (on a narrow VGG-16): each overfits four synthetic
// 160×160 scenes to at least 0.9 mIoU (eval mode), every trainable parameter gets a non-zero
// gradient, and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

// Without the paper's dropout 0.5 after fc6 and fc7, which on 64 channels stalls the overfit (0.29 mIoU
// after 150 steps with it).
const NARROW_VGG = { widths: [16, 32, 32, 64, 64], fcChannels: 64, dropout: 0 };

test("deeplabv2 (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "deeplabv2_r101", blocks: [1, 1, 1, 1], width: 8, rates: [1, 2, 3, 4] }, { steps: 150, lr: 0.005, size: [160, 160] }));

test("parsenet_vgg16 (narrow): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "parsenet_vgg16", ...NARROW_VGG }, { steps: 300, lr: 0.001, size: [160, 160] }));
