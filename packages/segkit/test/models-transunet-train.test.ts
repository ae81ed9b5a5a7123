// Training proof for TransUNet at reduced size: it overfits four synthetic 32×32 scenes to at least
// 0.9 mIoU (eval mode), every trainable parameter gets a non-zero gradient, nothing leaks.
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const STEPS = 150;

test(`transunet (reduced): overfits 4 synthetic scenes to mIoU >= 0.9 in ${STEPS} steps; every trainable parameter gets a gradient`, async () => {
  await assertOverfits({
    type: "transunet_r50_vit_b16", imgSize: 32, embedDim: 32, depth: 2, numHeads: 4, mlpDim: 64, headChannels: 32,
    resnet: { layers: [2, 2, 2], channels: [128, 128, 128], stemChannels: 32 }, decoderChannels: [32, 16, 16, 8],
  }, { steps: STEPS, lr: 0.003, size: [32, 32] });
});
