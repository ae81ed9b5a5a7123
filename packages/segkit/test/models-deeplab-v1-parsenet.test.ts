// DeepLab v1 (DeepLab-LargeFOV) and ParseNet against their papers' stated structure: no runnable
// reference exists here (the authors released Caffe prototxts for Caffe forks; kazuto1011/
// deeplab-pytorch's "DeepLabV1" is a ResNet, not the paper's VGG-16 LargeFOV). DeepLab v1: 20.5M
// parameters at 21 classes (Chen et al. 2015, Table 2), pool4/pool5 of stride 1 and conv5 dilated 2
// (output stride 8), fc6 3×3 of 1024 dilated 12, VGG-16's conv layout. ParseNet (Liu et al. 2015,
// Sec. 3): the global feature is the L2-normalised, scaled average of fc7 copied to every position,
// concatenated with the L2-normalised, scaled fc7 features; the scales are learned.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { DeepLabV1, ParseNet } from "../src/models/index.js";
import "../src/models/index.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-deeplab-v1-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const SMALL = { widths: [4, 8, 8, 16, 16], fcChannels: 16 };
// torchvision's VGG-16 conv indices in "features" (ReLU and pools between them).
const VGG16_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];

test("deeplabv1_vgg16_largefov has the paper's 20.5M parameters at 21 classes (Table 2), counted layer by layer", () => {
  const vggConvs = [[3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256], [256, 256], [256, 512], [512, 512], [512, 512], [512, 512], [512, 512], [512, 512]]
    .reduce((sum, [i, o]) => sum + 9 * i * o + o, 0);
  const expected = vggConvs + (9 * 512 * 1024 + 1024) + (1024 * 1024 + 1024) + (1024 * 21 + 21);
  const count = countParameters({ type: "deeplabv1_vgg16_largefov", numClasses: 21 });
  assert.equal(count, expected);
  assert.equal(Math.round(count / 1e5) / 10, 20.5);
});

test("deeplabv1: VGG-16's conv indices, conv5 dilated 2, fc6 3×3 dilated 12, pool4/pool5 of stride 1: output stride 8 (Caffe's ceil rounding)", () => {
  const model = build<DeepLabV1>("model", { type: "deeplabv1_vgg16_largefov", numClasses: 3, ...SMALL });
  const state = model.stateDict();
  for (const i of VGG16_CONVS) assert.ok(state.has(`features.${i}.weight`), `features.${i}.weight`);
  const convs = VGG16_CONVS.map((i) => model.trunk.features.at(i) as torch.nn.Conv2d);
  assert.deepEqual(convs.map((c) => c.dilation[0]), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
  const pools = [...model.trunk.features].filter((m): m is torch.nn.MaxPool2d => m instanceof torch.nn.MaxPool2d);
  assert.deepEqual(pools.map((p) => p.stride), [[2, 2], [2, 2], [2, 2], [1, 1], [1, 1]]);
  assert.deepEqual([model.trunk.fc6.kernelSize, model.trunk.fc6.dilation, model.trunk.fc6.outChannels], [[3, 3], [12, 12], 16]);
  torch.tidy(() => torch.noGrad(() => {
    model.eval();
    // 50 → 26 → 14 → 8 and 67 → 34 → 18 → 10: Caffe's ceil((n + 2 − 3) / 2) + 1 per stride-2 pool.
    assert.deepEqual(model.trunk.call(torch.randn([1, 3, 50, 67])).shape, [1, 16, 8, 10]);
    assert.deepEqual(model.call(torch.randn([1, 3, 50, 67])).shape, [1, 3, 50, 67]);
  }));
  model.dispose();
});

test("parsenet: the global feature is the normalised, scaled image average of fc7 at every position, beside the normalised, scaled fc7", () => {
  const model = build<ParseNet>("model", { type: "parsenet_vgg16", numClasses: 3, ...SMALL, initialScale: 10 }).eval();
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([2, 3, 50, 67]);
    const fc7 = model.trunk.call(x);
    const fused = model.context(x);
    assert.deepEqual(fused.shape, [2, 32, 8, 10]);
    const [local, global] = [fused.narrow(1, 0, 16), fused.narrow(1, 16, 16)];
    const average = fc7.mean([2, 3], true);
    const expectedGlobal = average.div(average.norm(2, [1], true)).mul(10).expand(global.shape);
    assert.ok(global.sub(expectedGlobal).abs().max().item() < 1e-5, "global branch");
    const expectedLocal = fc7.div(fc7.norm(2, [1], true).clampMin(1e-12)).mul(10);
    assert.ok(local.sub(expectedLocal).abs().max().item() < 1e-5, "local branch");
  }));
  const largeFov = countParameters({ type: "deeplabv1_vgg16_largefov", numClasses: 21 });
  // ParseNet: LargeFOV without its fc8, two scale vectors of 1024, fc8 over 2048 channels.
  assert.equal(countParameters({ type: "parsenet_vgg16", numClasses: 21 }), largeFov - (1024 * 21 + 21) + 2 * 1024 + (2048 * 21 + 21));
  model.dispose();
});

test("parsenet: the scales are learned (they get gradients)", () => {
  const model = build<ParseNet>("model", { type: "parsenet_vgg16", numClasses: 3, ...SMALL });
  torch.tidy(() => {
    const { loss } = model.forwardTrain(torch.randn([2, 3, 40, 48]), torch.randint(0, 3, [2, 40, 48]));
    loss.backward();
  });
  for (const key of ["local_norm.scale", "global_norm.scale"]) {
    const grad = model.stateDict().get(key)!.grad;
    assert.ok(grad && torch.tidy(() => grad.abs().max().item()) > 0, key);
  }
  model.zeroGrad();
  model.dispose();
});

for (const type of ["deeplabv1_vgg16_largefov", "parsenet_vgg16"]) {
  test(`${type} (small) exports to ONNX and onnxruntime reproduces the eval output`, async () => {
    const model = build<DeepLabV1>("model", { type, numClasses: 3, ...SMALL });
    const difference = await onnxRelativeDifference(model, type, [50, 67], tmp);
    assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
    model.dispose();
  });
}
