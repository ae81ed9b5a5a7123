// Training proof for UNet 3+ with deep supervision and the classification-guided module, narrow: it
// overfits four synthetic 32×32 scenes to at least 0.9 mIoU (eval mode, the gate included), every
// trainable parameter gets a non-zero gradient (the classification branch through its presence
// loss), nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const STEPS = 100;

test(`unet3plus_deepsup_cgm (narrow): overfits 4 synthetic scenes to mIoU >= 0.9 in ${STEPS} steps; every trainable parameter gets a gradient`, () =>
  assertOverfits({ type: "unet3plus_deepsup_cgm", filters: [8, 8, 16, 16, 32], catChannels: 4 }, { steps: STEPS, lr: 0.01, size: [32, 32] }));
