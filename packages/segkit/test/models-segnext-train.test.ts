// Training proof for SegNeXt at reduced width: it overfits four synthetic 128×128 scenes to at least
// 0.9 mIoU (eval mode, 7 NMF steps on random bases), every trainable parameter gets a non-zero gradient
// through the 6 training steps of the NMF, and nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("segnext (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in 120 steps; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "segnext_mscan_t", embedDims: [16, 24, 32, 48], depths: [2, 2, 2, 2], decoderChannels: 64 }, { steps: 120, lr: 0.004, size: [128, 128] }));
