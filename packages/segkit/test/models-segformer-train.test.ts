// Training proof for SegFormer at reduced width: it overfits four synthetic 128×128 scenes to at least
// 0.9 mIoU (eval mode), every trainable parameter gets a non-zero gradient, and nothing leaks. (The
// attention key biases' gradients are zero in exact arithmetic — softmax removes a per-query constant —
// so theirs are rounding noise; the parity test checks they stay at that level, as in the authors' code.)
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

test("segformer (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in 100 steps; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "segformer_b0", embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], decoderChannels: 32 }, { steps: 100, lr: 0.003, size: [128, 128] }));
