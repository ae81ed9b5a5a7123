// Bad input gets a clear error naming what is wrong; slide inference; parameter and MAC counts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { complexity } from "../src/models/complexity.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import "../src/losses/index.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-models-errors-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tinyUNet = (): Segmentor => build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8] });

test("an input size that is not a multiple of the divisor names the divisor", () => {
  const model = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8, 8, 8, 8] });
  const x = torch.zeros([1, 3, 60, 64]);
  assert.throws(() => model.forward(x), /UNet: input height and width must be multiples of 16 \(the divisor\), got 60×64/);
  const segnet = build<Segmentor>("model", { type: "segnet", numClasses: 2, widths: [4, 4, 4, 4, 4] });
  assert.throws(() => segnet.forward(x), /multiples of 32/);
  for (const t of [x]) t.dispose();
  model.dispose();
  segnet.dispose();
});

test("unknown model names and option keys suggest the closest", () => {
  assert.throws(() => build("model", { type: "segnett", numClasses: 2 }), /unknown model "segnett" \(did you mean "segnet"\?\)/);
  assert.throws(() => build("model", { type: "unet", numClasses: 2, widht: [4] }), /unknown key "widht" \(did you mean "widths"\?\)/);
  assert.throws(() => build("model", { type: "encoder_decoder", numClasses: 2, backbone: { type: "resnet19" }, head: { type: "fcn" } }),
    /unknown backbone "resnet19"/);
  assert.throws(() => build("model", { type: "encoder_decoder", numClasses: 2, backbone: { type: "resnet18" }, head: { type: "fcn", chanels: 8 } }),
    /model\.head \(head "fcn"\): unknown key "chanels" \(did you mean "channels"\?\)/);
});

test("bad option values are rejected naming the option", () => {
  assert.throws(() => build("model", { type: "unet", numClasses: 0 }), /numClasses must be a positive integer, got 0/);
  assert.throws(() => build("backbone", { type: "resnet18", outputStride: 4 }), /outputStride must be 8, 16 or 32, got 4/);
  assert.throws(() => build("model", { type: "unet_plus_plus", numClasses: 2, widths: [4, 8], pruneLevel: 2 }), /pruneLevel must be an integer in 1\.\.1, got 2/);
  assert.throws(() => build("model", { type: "fcn8s_vgg16", numClasses: 2, widths: [4, 4] }), /widths must list 5 stage widths, got 2/);
});

test("wrong image rank, dtype or channels, and wrong targets are named", () => {
  const model = tinyUNet();
  torch.tidy(() => {
    assert.throws(() => model.forward(torch.zeros([3, 16, 16])), /UNet: expected an image batch \(N, C, H, W\), got \[3, 16, 16\]/);
    assert.throws(() => model.forward(torch.zeros([1, 3, 16, 16], { dtype: "int64" })), /UNet: expected a floating image batch, got int64/);
    assert.throws(() => model.forward(torch.zeros([1, 1, 16, 16])), /Conv2d\(3, 4, .*expected input of shape/);
    const x = torch.zeros([2, 3, 16, 16]);
    assert.throws(() => model.forwardTrain(x, torch.zeros([2, 8, 8], { dtype: "int64" })), /expected target of shape \[2, 16, 16\], got \[2, 8, 8\]/);
    assert.throws(() => model.forwardTrain(x, torch.zeros([2, 16, 16])), /expected an int64 target, got float32/);
    assert.throws(() => model.forwardTrain(x, torch.full([2, 16, 16], 7, { dtype: "int64" })), /out of bounds/);
    // ignore_index (255 by default) is not out of range.
    const mostlyIgnored = torch.full([2, 16, 16], 255, { dtype: "int64" });
    mostlyIgnored.select(1, 0).fill_(1);
    assert.ok(Number.isFinite(model.forwardTrain(x, mostlyIgnored).loss.item()));
  });
  model.dispose();
});

test("weights of another shape or a corrupt file are rejected naming the key or the file", () => {
  const model = tinyUNet();
  const other = build<Segmentor>("model", { type: "unet", numClasses: 3, widths: [4, 8] });
  const file = join(tmp, "unet3.safetensors");
  other.save(file);
  assert.throws(() => model.load(file), /unet3\.safetensors: .*shape mismatch for head\.weight: checkpoint \[3,4,1,1\], module \[2,4,1,1\]/);
  const corrupt = join(tmp, "corrupt.safetensors");
  writeFileSync(corrupt, Buffer.from([1, 2, 3]));
  assert.throws(() => model.load(corrupt), /corrupt\.safetensors/);
  model.dispose();
  other.dispose();
});

test("slide inference with one window covering the image equals whole-image inference", () => {
  const start = torch.liveTensors();
  const model = tinyUNet().eval();
  torch.manualSeed(1);
  const x = torch.randn([1, 3, 32, 48]);
  const whole = model.predict(x);
  const single = model.predict(x, { mode: "slide", crop: [32, 48], stride: [16, 16] });
  assert.equal(torch.tidy(() => whole.sub(single).abs().max().item()), 0);
  const overlapping = model.predict(x, { mode: "slide", crop: [16, 16], stride: [8, 8] });
  assert.deepEqual(overlapping.shape, [1, 2, 32, 48]);
  assert.throws(() => model.predict(x, { mode: "slide" }), /slide mode needs crop and stride/);
  for (const t of [x, whole, single, overlapping]) t.dispose();
  model.dispose();
  assert.equal(torch.liveTensors(), start);
});

test("parameter and multiply-accumulate counts of a small U-Net match the hand count", () => {
  const model = tinyUNet();
  // Convs at 16×16 and 8×8: 3→4, 4→4 | 4→8, 8→8 | transposed 8→4 (2×2) | 8→4, 4→4 | head 4→2.
  const macs = 256 * 4 * 3 * 9 + 256 * 4 * 4 * 9 + 64 * 8 * 4 * 9 + 64 * 8 * 8 * 9 + 64 * 8 * 4 * 4 + 256 * 4 * 8 * 9 + 256 * 4 * 4 * 9 + 256 * 2 * 4;
  const params = (3 * 4 * 9 + 8) + (4 * 4 * 9 + 8) + (4 * 8 * 9 + 16) + (8 * 8 * 9 + 16) + (8 * 4 * 4 + 4) + (8 * 4 * 9 + 8) + (4 * 4 * 9 + 8) + (4 * 2 + 2);
  assert.deepEqual(complexity(model, [16, 16]), { parameters: params, macs, size: [16, 16] });
  assert.equal(model.training, true, "complexity() restores train mode");
  model.dispose();
});

test("segkit models NAME... --cost lists those models with parameters and MACs", () => {
  // Cost builds every model for real, so it is measured here on a few; the listing of every model
  // (parameters on the meta device) has its own test.
  const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
  const chosen = ["fcn_resnet50", "deeplabv3_resnet50", "lraspp_mobilenet_v3_large", "unet", "segnet", "unet_plus_plus", "fcn8s_vgg16"];
  const out = execFileSync(process.execPath, [cli, "models", ...chosen, "--cost", "--json", "--size", "32x32", "--classes", "3"], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  const { models, backbones, heads } = JSON.parse(out) as { models: { name: string; parameters: number; gmacs: number; gflops: number }[]; backbones: string[]; heads: string[] };
  assert.deepEqual(models.map((m) => m.name), chosen);
  assert.ok(models.every((m) => m.parameters > 0 && m.gmacs > 0 && m.gflops === 2 * m.gmacs));
  // torchvision's lraspp_mobilenet_v3_large has 3,221,538 parameters at 21 classes; at 3 classes its
  // two classifiers have 18 × (40 + 1) + 18 × (128 + 1) fewer.
  assert.equal(models.find((m) => m.name === "lraspp_mobilenet_v3_large")!.parameters, 3_221_538 - 18 * 41 - 18 * 129);
  assert.ok(backbones.includes("resnet50") && backbones.includes("vgg16_bn"));
  assert.ok(heads.includes("uper"));
  assert.throws(() => execFileSync(process.execPath, [cli, "models", "--size", "big"], { stdio: "pipe" }), /--size: expected HxW/);
  assert.throws(() => execFileSync(process.execPath, [cli, "models", "unet", "no_such_net"], { stdio: "pipe" }), /unknown model "no_such_net"/);
});

test("sub-losses of compound and deep_supervision inherit the model's ignoreIndex; a different one is refused", () => {
  const compound = { type: "compound", losses: [{ type: "cross_entropy" }, { type: "dice" }], weights: [1, 0.5] };
  const model = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8], ignoreIndex: 7, loss: compound });
  model.eval();
  const x = torch.randn([1, 3, 8, 8]);
  const target = torch.randint(0, 2, [1, 8, 8]);
  target.narrow(1, 0, 3).fill_(7); // ignored rows: a sub-loss ignoring 255 would reject label 7
  const loss = model.forwardTrain(x, target).loss;
  const logits = model.forward(x);
  const ce = build<(l: torch.Tensor, t: torch.Tensor) => torch.Tensor>("loss", { type: "cross_entropy", ignoreIndex: 7 });
  const dice = build<(l: torch.Tensor, t: torch.Tensor) => torch.Tensor>("loss", { type: "dice", ignoreIndex: 7 });
  const expected = ce(logits, target).item() + 0.5 * dice(logits, target).item();
  assert.ok(Math.abs(loss.item() - expected) < 1e-6, `${loss.item()} vs ${expected}`);
  const deep = build<(outputs: torch.Tensor[], t: torch.Tensor) => torch.Tensor>("loss", { type: "deep_supervision", ignoreIndex: 7, loss: { type: "dice" } });
  assert.ok(Math.abs(deep([logits], target).item() - dice(logits, target).item()) < 1e-6);
  const conflicting = { type: "compound", losses: [{ type: "cross_entropy" }, { type: "dice", ignoreIndex: 255 }] };
  assert.throws(() => build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8], ignoreIndex: 7, loss: conflicting }),
    /losses\[1\]: "ignoreIndex" is 255 but the loss containing it ignores 7/);
  for (const t of [x, target, loss, logits]) t.dispose();
  model.dispose();
});

test("a configured loss without its own ignoreIndex ignores the model's ignoreIndex", () => {
  const weights = [0.3, 1.7];
  const model = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8], ignoreIndex: 2, loss: { type: "cross-entropy", classWeights: weights } });
  model.eval();
  const x = torch.randn([1, 3, 8, 8]);
  const target = torch.randint(0, 3, [1, 8, 8]);
  const loss = model.forwardTrain(x, target).loss;
  const expected = torch.crossEntropyLoss(model.forward(x), target, { weight: torch.tensor(weights), ignoreIndex: 2 });
  assert.ok(Math.abs(loss.item() - expected.item()) < 1e-6, `${loss.item()} vs ${expected.item()}`);
  const explicit = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8], ignoreIndex: 2, loss: { type: "cross-entropy", ignoreIndex: 255 } });
  assert.throws(() => explicit.forwardTrain(x, target), /label 2 outside 0\.\.1 \(ignoreIndex is 255\)/);
  for (const t of [x, target, loss, expected]) t.dispose();
  model.dispose();
  explicit.dispose();
});
