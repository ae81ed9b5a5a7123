// Training proof for OCRNet on a reduced HRNetV2 (both cascade stages trained, as mmseg's ocrnet
// configs do): it overfits four synthetic scenes to at least 0.9 mIoU (eval mode), every trainable
// parameter — backbone branches, fusion paths, FCN stage and OCR head — gets a non-zero gradient,
// and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

const STAGES = [
  { modules: 1, blocks: [1], channels: [8] },
  { modules: 1, blocks: [1, 1], channels: [8, 16] },
  { modules: 1, blocks: [1, 1, 1], channels: [8, 16, 24] },
  { modules: 1, blocks: [1, 1, 1, 1], channels: [8, 16, 24, 32] },
];

test("ocrnet_hr18 (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "ocrnet_hr18", stages: STAGES, channels: 32, ocrChannels: 16 }, { steps: 150, lr: 0.003, size: [96, 96] }));
