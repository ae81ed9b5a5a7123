// Training proof for UPerNet on Swin at reduced width (with its FCN auxiliary head): it overfits four
// synthetic 128×128 scenes to at least 0.9 mIoU (eval mode), every trainable parameter gets a
// non-zero gradient (the relative position bias tables included), and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("upernet_swin_t (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in 100 steps; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "upernet_swin_t", embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 5, dropPathRate: 0.1, headChannels: 32, auxChannels: 16 },
    { steps: 100, lr: 0.002, size: [128, 128] }));
