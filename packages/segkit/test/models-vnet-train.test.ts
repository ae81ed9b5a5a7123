// V-Net's training proof on the built-in synthetic volumes: a reduced V-Net (width 2, no dropout)
// overfits four 16³ volumes to mIoU ≥ 0.9 (eval mode, BatchNorm statistics re-estimated), every
// trainable parameter gets a non-zero gradient, no tensor outlives the run. It exports to ONNX with
// (N, C, D, H, W) inputs, which onnxruntime runs to the same logits. Losses that read the 2D layout
// (distance maps, SSIM windows) would see the slices laid side by side, so V-Net refuses them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { SyntheticVolumeDataset, SYNTHETIC_VOLUME_CLASSES } from "../src/data/volumes/synthetic-volumes.js";
import { checkOnnxFile, exportModel } from "../src/engine/export-model.js";
import type { Segmentor, VNet } from "../src/models/index.js";
import "../src/models/index.js";
import { overfit } from "./fixtures/overfit.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-vnet-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("vnet (width 2) overfits 4 synthetic 16³ volumes to mIoU >= 0.9, a gradient on every parameter", async () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const dataset = new SyntheticVolumeDataset(4, [16, 16, 16], 3);
  const samples = await Promise.all([0, 1, 2, 3].map((i) => dataset.raw(i)));
  const { x, y } = torch.tidy(() => ({
    x: torch.stack(samples.map((s) => torch.tensor(s.image).reshape([1, ...s.shape]))),
    y: torch.stack(samples.map((s) => torch.tensor(s.label).reshape(s.shape).to("int64"))),
  }));
  const model = build<VNet>("model", {
    type: "vnet", numClasses: SYNTHETIC_VOLUME_CLASSES.length, width: 2, dropoutDown: null, dropoutUp: [null, 0],
  });
  const { mIoU, losses, withoutGradient } = overfit(model, x, y, { steps: 250, lr: 0.01 });
  assert.deepEqual(withoutGradient, [], "trainable parameters without a non-zero gradient");
  assert.ok(losses.every(Number.isFinite), "finite losses");
  assert.ok(mIoU >= 0.9, `mIoU ${mIoU.toFixed(4)} (loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)})`);
  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

for (const act of ["elu", "prelu"]) {
  test(`vnet (width 2, ${act}) exports to ONNX, fixed and dynamic; onnxruntime reproduces the eval logits on volumes`, async () => {
    torch.manualSeed(0);
    const model = build<VNet>("model", { type: "vnet", numClasses: 3, width: 2, act });
    const fixed = join(tmp, `vnet-${act}.onnx`);
    assert.ok(exportModel(model, fixed, { format: "onnx", size: [16, 16, 32], modelType: "vnet" }) <= 1e-4);
    const difference = await checkOnnxFile(fixed, model, [1, 16, 16, 32], {});
    assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
    const dynamic = join(tmp, `vnet-${act}-dynamic.onnx`);
    exportModel(model, dynamic, { format: "onnx", size: [16, 16, 16], modelType: "vnet", dynamic: true });
    const other = await checkOnnxFile(dynamic, model, [2, 32, 16, 16], { argmax: false });
    assert.ok(other <= 1e-4, `onnxruntime (dynamic, 2×32×16×16) differs by ${other} relative`);
    model.dispose();
  });
}

test("export names what a volume model takes, and what an image model takes", () => {
  const vnet = build<VNet>("model", { type: "vnet", numClasses: 2, width: 2 });
  assert.throws(() => exportModel(vnet, join(tmp, "never.onnx"), { format: "onnx", size: [16, 16], modelType: "vnet" }),
    /--size 16 16: VNet takes \(N, C, D, H, W\) volumes: three sides, depth, height and width/);
  assert.throws(() => exportModel(vnet, join(tmp, "never.onnx"), { format: "onnx", size: [16, 16, 8], modelType: "vnet" }),
    /--size 16 16 8: depth, height and width must be positive multiples of 16 for vnet/);
  assert.throws(() => exportModel(vnet, join(tmp, "never.onnx"), { format: "onnx", size: [16, 16, 16], modelType: "vnet", preprocess: { mean: [0, 0, 0], std: [1, 1, 1] } }),
    /--with-preprocess takes RGB images; vnet takes volumes/);
  const unet = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4] });
  assert.throws(() => exportModel(unet, join(tmp, "never.onnx"), { format: "onnx", size: [16, 16, 16], modelType: "unet" }),
    /--size 16 16 16: UNet takes \(N, 3, H, W\) images: two sides, height and width/);
  vnet.dispose();
  unet.dispose();
});

test("vnet refuses losses that read the 2D layout, naming them; voxel-wise losses train", () => {
  const refused: [Record<string, unknown>, string][] = [
    [{ type: "boundary" }, "boundary"],
    [{ type: "distance_penalized_cross_entropy" }, "distance_penalized_cross_entropy"],
    [{ type: "ms_ssim" }, "ms_ssim"],
    [{ type: "compound", losses: [{ type: "dice" }, { type: "hausdorff_dt" }] }, "hausdorff_dt"],
  ];
  for (const [loss, name] of refused) {
    assert.throws(() => build("model", { type: "vnet", numClasses: 2, width: 2, loss }),
      new RegExp(`VNet: loss "${name}" measures distances or windows in 2D images.*use a voxel-wise loss`));
  }
  torch.manualSeed(0);
  const model = build<VNet>("model", { type: "vnet", numClasses: 2, width: 2, loss: { type: "compound", losses: [{ type: "cross_entropy" }, { type: "dice" }] } });
  torch.tidy(() => {
    const { loss } = model.forwardTrain(torch.randn([2, 1, 16, 16, 16]), torch.randint(0, 2, [2, 16, 16, 16]));
    assert.ok(Number.isFinite(loss.item()), "finite loss");
  });
  model.dispose();
});
