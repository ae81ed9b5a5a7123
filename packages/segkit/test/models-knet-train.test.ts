// Training proof for K-Net: the knet_s3_upernet composition at reduced width (ResNetV1c-18 of width 8,
// UPerHead 32, updators 16; losses on the generating head's logits and each of the 3 stages', plus the
// FCN auxiliary) overfits four synthetic
// scenes to at least 0.9 mIoU (eval mode), every trainable parameter gets a non-zero gradient, and
// nothing leaks. (The stages' fc_mask biases shift every class's logit at a pixel alike, which the
// softmax and the cross-entropy do not see: their gradient is rounding noise, non-zero but tiny.)
import { test } from "node:test";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";

torch.setNumThreads(1);

const KNET = {
  type: "encoder_decoder", backbone: { type: "resnet18", deepStem: true, width: 8 },
  head: { type: "knet", generateHead: { type: "uper", channels: 32 }, updatorChannels: 16, numHeads: 2, feedforwardChannels: 64 },
  auxiliary: [{ type: "fcn", inIndex: 2, channels: 8 }],
};

test("K-Net (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits(KNET, { steps: 200, lr: 0.008, size: [64, 64] }));
