// Training proof for PointRend at reduced width (ResNetV1c-18 width 8, Semantic FPN of 16 channels,
// point head of 16; 256 importance-sampled training points, 2 subdivision steps of 512 points): it
// overfits four synthetic 128×128 scenes to at least 0.9 mIoU with its subdivision inference (eval
// mode), every trainable parameter gets a non-zero gradient, and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("pointrend (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({
    type: "pointrend_r50", backbone: { type: "resnet18", deepStem: true, width: 8 }, neckChannels: 16, headChannels: 16, pointChannels: 16,
    numPoints: 256, subdivisionNumPoints: 512,
  }, { steps: 100, lr: 0.005, size: [128, 128] }));
