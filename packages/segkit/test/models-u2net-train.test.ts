// Training proof for U²-Net at reduced width: deep supervision over the fused and six side outputs
// overfits four synthetic 32×32 scenes to at least 0.9 mIoU (eval mode), every trainable parameter
// gets a non-zero gradient, nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const STEPS = 200;
const NARROW: [number, number] = [8, 16];

test(`u2net (narrow): overfits 4 synthetic scenes to mIoU >= 0.9 in ${STEPS} steps; every trainable parameter gets a gradient`, () =>
  assertOverfits({ type: "u2net", encoderChannels: Array(6).fill(NARROW), decoderChannels: Array(5).fill(NARROW) }, { steps: STEPS, lr: 0.003, size: [32, 32] }));
