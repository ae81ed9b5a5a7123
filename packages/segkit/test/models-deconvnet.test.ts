// DeconvNet (Noh et al. 2015). No runnable reference exists (the authors' code is Caffe with custom
// layers), so the tests check the paper's stated structure: every stage output of Table 1 at its
// 224×224 input, channels at 1/8 width; the parameter count summed from Table 1's layers (the paper
// states no total); the training proof; ONNX export; and the clear error for too small inputs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { DeconvNet } from "../src/models/segmentors/deconvnet/model.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-deconvnet-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Table 1: [layer, side, channels] for a 224×224 input and 21 classes (PASCAL VOC).
const TABLE_1: [string, number, number][] = [
  ["conv1", 224, 64], ["pool1", 112, 64], ["conv2", 112, 128], ["pool2", 56, 128], ["conv3", 56, 256], ["pool3", 28, 256],
  ["conv4", 28, 512], ["pool4", 14, 512], ["conv5", 14, 512], ["pool5", 7, 512], ["fc6", 1, 4096], ["fc7", 1, 4096],
  ["deconv_fc6", 7, 512], ["unpool5", 14, 512], ["deconv5", 14, 512], ["unpool4", 28, 512], ["deconv4", 28, 256],
  ["unpool3", 56, 256], ["deconv3", 56, 128], ["unpool2", 112, 128], ["deconv2", 112, 64], ["unpool1", 224, 64],
  ["deconv1", 224, 64], ["output", 224, 21],
];

test("deconvnet_vgg16: every stage output has Table 1's size (224² input; channels at 1/8 width, the 21 classes as they are)", () => {
  torch.manualSeed(0);
  const model = build<DeconvNet>("model", { type: "deconvnet_vgg16", numClasses: 21, widths: [8, 16, 32, 64, 64], fcChannels: 512 }).eval();
  torch.tidy(() => torch.noGrad(() => {
    const outputs = model.stageOutputs(torch.randn([1, 3, 224, 224]));
    assert.deepEqual(outputs.map(([name, t]) => [name, t.shape]),
      TABLE_1.map(([name, side, channels]) => [name, [1, name === "output" ? channels : channels / 8, side, side]]));
  }));
  // 13 convolutions and 13 deconvolutions of 3×3 (Fig. 2: the decoder mirrors VGG-16's 2, 2, 3, 3, 3).
  const kernels = (prefix: string) => [...model.namedModules()].filter(([name, m]) => name.startsWith(prefix) && m instanceof torch.nn.ConvBase);
  assert.equal(kernels("encoder.").length, 13);
  assert.equal(kernels("decoder.").filter(([, m]) => m instanceof torch.nn.ConvTransposeNdLayer).length, 13);
  model.dispose();
});

test("deconvnet_vgg16 has the parameters Table 1's layers add up to (BN after every conv and deconv, Sec. 4.1; the paper states no total)", () => {
  const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout; // no bias: BN's weight and bias
  const threeByThree = [
    [3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256], [256, 256], [256, 512], [512, 512], [512, 512], [512, 512], [512, 512], [512, 512],
    [512, 512], [512, 512], [512, 512], [512, 512], [512, 512], [512, 256], [256, 256], [256, 256], [256, 128], [128, 128], [128, 64], [64, 64], [64, 64],
  ];
  const expected = threeByThree.reduce((sum, [cin, cout]) => sum + conv(3, cin, cout), 0)
    + conv(7, 512, 4096) + conv(1, 4096, 4096) + conv(7, 4096, 512) // fc6, fc7, deconv-fc6
    + 64 * 21 + 21; // the 1×1 classifier with bias
  assert.equal(countParameters({ type: "deconvnet_vgg16", numClasses: 21 }), expected);
});

// 32×32 scenes (pool5 1×1, so fcKernel 1): 250 steps reached 0.997, 150 only 0.65; at 64×64 a narrower
// net stopped at 0.48 after 120 steps while its loss fell to 0.16 (the small objects missed).
test("deconvnet_vgg16 (narrow, fcKernel 1): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "deconvnet_vgg16", widths: [16, 16, 32, 32, 32], fcChannels: 32, fcKernel: 1 }, { steps: 250, lr: 0.01, size: [32, 32] }));

test("deconvnet_vgg16 (narrow) exports to ONNX and onnxruntime reproduces the eval output", async () => {
  torch.manualSeed(0);
  const model = build<DeconvNet>("model", { type: "deconvnet_vgg16", numClasses: 3, widths: [4, 8, 8, 16, 16], fcChannels: 16, fcKernel: 2 });
  const difference = await onnxRelativeDifference(model, "deconvnet_vgg16", [64, 96], tmp);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  model.dispose();
});

test("deconvnet_vgg16 refuses inputs too small for fc6, naming the size it needs", () => {
  const model = build<DeconvNet>("model", { type: "deconvnet_vgg16", numClasses: 3, widths: [4, 8, 8, 16, 16], fcChannels: 16 });
  assert.throws(() => torch.tidy(() => model.forward(torch.zeros([1, 3, 64, 64]))), /input sides must be at least 224, got 64×64/);
  assert.throws(() => build("model", { type: "deconvnet_vgg16", numClasses: 3, fcKernel: 0 }), /DeconvNet: fcKernel must be integer ≥ 1, got 0/);
  model.dispose();
});
