// Training proof for STDC-Seg and Fast-SCNN at reduced width: each overfits four synthetic 160×160
// scenes to at least 0.9 mIoU (eval mode) with its full training loss (STDC-Seg: main, two
// auxiliary heads and the detail BCE + Dice; Fast-SCNN: main and two auxiliary heads at 0.4), every
// trainable parameter gets a non-zero gradient, and nothing leaks. (160 px: the synthetic rings are
// a few pixels thick, which stride-8 logits cannot follow at smaller sizes.)
import { test } from "node:test";
import * as torch from "@segkit/torch";
import type { Config } from "../src/config/registry.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const STDC_SMALL = { base: 16, contextChannels: 32, headChannels: 32, auxChannels: 16 };
const CASES: [Config, number][] = [
  [{ type: "stdc1_seg", ...STDC_SMALL }, 120],
  [{ type: "stdc2_seg", ...STDC_SMALL }, 150],
  [{ type: "fast_scnn", downsampleChannels: [16, 24, 32], globalChannels: [32, 48, 64], channels: 64, auxChannels: 16 }, 80],
];

for (const [config, steps] of CASES) {
  test(`${config.type}: overfits 4 synthetic scenes to mIoU >= 0.9 in ${steps} steps; every trainable parameter gets a gradient`, () =>
    assertOverfits(config, { steps, lr: 0.006, size: [160, 160] }));
}
