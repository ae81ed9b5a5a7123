// Every architecture at a tiny size: 30 optimizer steps on two synthetic scenes lower the loss,
// the output has the input's size, and no tensor outlives the loop.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build, type Config } from "../src/config/registry.js";
import { SyntheticDataset, SYNTHETIC_CLASSES } from "../src/data/index.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

// One thread: on the shared 2-core machine, 2 OpenMP threads under load made steps ~30× slower.
torch.setNumThreads(1);
const CLASSES = SYNTHETIC_CLASSES.length;
const tinyResNet = { type: "resnet18", outputStride: 8 };

const CONFIGS: Record<string, Config> = {
  fcn_with_aux: { type: "encoder_decoder", backbone: tinyResNet, head: { type: "fcn" }, auxiliary: [{ type: "fcn", inIndex: 2 }] },
  deeplabv3: { type: "encoder_decoder", backbone: tinyResNet, head: { type: "deeplabv3", channels: 32, rates: [1, 2, 3] } },
  deeplabv3plus: { type: "encoder_decoder", backbone: tinyResNet, head: { type: "deeplabv3plus", inIndex: [0, 3], channels: 32, lowChannels: 16, rates: [1, 2, 3] } },
  pspnet: { type: "encoder_decoder", backbone: tinyResNet, head: { type: "psp", channels: 32 } },
  fpn: { type: "encoder_decoder", backbone: { type: "resnet18", deepStem: true }, neck: { type: "fpn", outChannels: 32 }, head: { type: "fpn", channels: 32 } },
  upernet: { type: "encoder_decoder", backbone: { type: "resnet18" }, head: { type: "uper", channels: 32 } },
  lraspp_small: { type: "encoder_decoder", backbone: { type: "mobilenet_v3_small", dilated: true }, head: { type: "lraspp", inIndex: [0, 1], channels: 32 } },
  unet: { type: "unet", widths: [8, 16, 32] },
  attention_unet: { type: "attention_unet", widths: [8, 16, 32] },
  resnet_unet: { type: "resnet_unet", depth: 18, decoderChannels: [64, 32, 16, 16, 8] },
  unet_plus_plus: { type: "unet_plus_plus", widths: [8, 16, 32, 32] },
  segnet: { type: "segnet", widths: [8, 16, 16, 32, 32] },
  fcn8s_vgg16: { type: "fcn8s_vgg16", widths: [8, 16, 16, 32, 32], fcChannels: 64 },
  fcn32s_vgg16_bn: { type: "fcn32s_vgg16", batchNorm: true, widths: [8, 16, 16, 32, 32], fcChannels: 64 },
  bisenetv1: { type: "bisenetv1", contextChannels: 32, headChannels: 32 },
  bisenetv2: { type: "bisenetv2", detailChannels: [16, 16, 32], semanticChannels: [8, 16, 16, 32], headChannels: 32 },
  enet: { type: "enet", widths: [8, 16, 32] },
  deeplabv3plus_mobilenet_v2: { type: "encoder_decoder", backbone: { type: "mobilenet_v2" }, head: { type: "deeplabv3plus", inIndex: [0, 3], channels: 32, lowChannels: 16, rates: [1, 2, 3] } },
};

/** Two synthetic scenes: images scaled to about [-0.5, 0.5], int64 labels. */
async function syntheticBatch(size: number): Promise<{ x: torch.Tensor; y: torch.Tensor }> {
  const dataset = new SyntheticDataset(2, [size, size], 7);
  const samples = await Promise.all([0, 1].map((i) => dataset.get(i)));
  const batch = torch.tidy(() => ({
    x: torch.stack(samples.map((s) => s.image)).div(255).sub(0.5),
    y: torch.stack(samples.map((s) => s.label)),
  }));
  for (const s of samples) [s.image, s.label].forEach((t) => t.dispose());
  return batch;
}

for (const [name, config] of Object.entries(CONFIGS)) {
  test(`${name}: 30 steps lower the loss; output has the input size; no leaks`, async () => {
    const start = torch.liveTensors();
    torch.manualSeed(0);
    const model = build<Segmentor>("model", { numClasses: CLASSES, ...config });
    const { x, y } = await syntheticBatch(64);
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      optimizer.zeroGrad({ setToNone: true });
      losses.push(torch.tidy(() => {
        const { loss } = model.forwardTrain(x, y);
        loss.backward();
        return loss.item();
      }));
      optimizer.step();
    }
    assert.ok(losses.every(Number.isFinite), `finite losses: ${losses.join(", ")}`);
    assert.ok(losses[29] < 0.7 * losses[0], `loss ${losses[0].toFixed(4)} -> ${losses[29].toFixed(4)}`);
    const out = model.eval().predict(x);
    assert.deepEqual(out.shape, [2, CLASSES, 64, 64]);
    out.dispose();
    optimizer.dispose();
    model.zeroGrad();
    model.dispose();
    x.dispose();
    y.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

test("forwardTrain outside any tidy: the caller owns only the loss and its parts", async () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<Segmentor>("model", { numClasses: CLASSES, ...CONFIGS.fcn_with_aux });
  const { x, y } = await syntheticBatch(64);
  const afterSetup = torch.liveTensors();
  const { loss, parts } = model.forwardTrain(x, y);
  assert.equal(Object.keys(parts).length, 2, "decode and auxiliary losses");
  assert.equal(torch.liveTensors(), afterSetup + 1 + Object.keys(parts).length, "only loss and parts are live");
  loss.backward();
  for (const p of model.parameters()) assert.ok(p.grad !== null, "backward still reaches every parameter");
  loss.dispose();
  for (const part of Object.values(parts)) part.dispose();
  model.zeroGrad();
  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});
