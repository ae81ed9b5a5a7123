// Prediction on image files gives the right labels at the image's own size and writes them so that
// other tools read class ids: a pointwise model with hand-set weights (its answer is known for
// every pixel) through pipelines that pad and resize; label PNGs checked with PIL and the project's
// reader; `segkit predict` → `segkit eval` reproduces `segkit test`; a checkpoint predicts without
// its dataset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import type { Config } from "../src/config/registry.js";
import { SyntheticDataset, SYNTHETIC_CLASSES, SYNTHETIC_PALETTE } from "../src/data/datasets/synthetic.js";
import { Rng } from "../src/data/rng.js";
import { IMAGENET_MEAN, IMAGENET_STD } from "../src/data/transforms/normalize.js";
import type { Rgb } from "../src/data/types.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { readLabelPng } from "../src/io/label-png.js";
import { encodeLabelPng } from "../src/io/label-png-writer.js";
import { Pointwise } from "./fixtures/pointwise.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's python, with PIL and numpy
const tmp = mkdtempSync(join(tmpdir(), "segkit-predict-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

const TEST = { mode: "whole" as const, crop: null, stride: null, flip: false, scales: [1] };

/** Pixels of pure red, green or blue at random: class k is the channel at 255. */
function primaryColours(width: number, height: number, seed: number): { pixels: Uint8Array; expected: Uint8Array } {
  const rng = new Rng(seed);
  const expected = Uint8Array.from({ length: width * height }, () => Math.min(2, Math.floor(rng.uniform(0, 3))));
  const pixels = new Uint8Array(width * height * 3);
  expected.forEach((k, p) => (pixels[p * 3 + k] = 255));
  return { pixels, expected };
}

/** A pointwise model whose 1×1 conv has the given weight (K×3, row-major) and bias (K). */
function handSet(weight: number[], bias: number[]): Pointwise {
  const model = new Pointwise(bias.length).eval();
  torch.tidy(() => torch.noGrad(() => {
    model.conv.weight.copy_(torch.tensor(Float32Array.from(weight), { shape: [bias.length, 3, 1, 1] }));
    model.conv.bias!.copy_(torch.tensor(Float32Array.from(bias), { shape: [bias.length] }));
  }));
  return model;
}

/** Logits 10 × the raw channel values (undoing ImageNet normalisation): the class is the brightest channel. */
function channelClassifier(): Pointwise {
  return handSet([0, 1, 2].flatMap((k) => [0, 1, 2].map((c) => (c === k ? 10 * IMAGENET_STD[c] : 0))), IMAGENET_MEAN.map((m) => 10 * m));
}

test("predicted labels equal the known map pixel for pixel through pipelines that pad and resize", () => {
  const model = channelClassifier();
  for (const [height, width] of [[37, 53], [50, 70], [64, 96]]) {
    const { pixels, expected } = primaryColours(width, height, height * width);
    const image = { width, height, pixels, meta: { file: `${width}x${height}`, size: [height, width] as [number, number] } };
    const pipelines: Record<string, Config[]> = {
      "pad to a multiple of 32 (the CamVid configs)": [{ type: "Normalize" }, { type: "Pad", divisor: 32 }],
      "resize ×2, then pad": [{ type: "Resize", scale: [2 * width, 2 * height], keepRatio: false }, { type: "Normalize" }, { type: "Pad", divisor: 32 }],
      "pad to a fixed size, labels filled with an explicit ignoreIndex": [{ type: "Normalize" }, { type: "Pad", size: [128, 128], ignoreIndex: 1 }],
    };
    for (const [name, configs] of Object.entries(pipelines)) {
      // ×2 bilinear keeps at least 9/16 of each pixel's own colour in its four copies, so each copy's
      // class is the pixel's; the ×½ resize of the logits' probabilities averages those four copies.
      const labels = predictLabels(model, image, predictionPipeline(configs), TEST);
      assert.equal(labels.length, expected.length);
      const wrong = expected.reduce((n, k, p) => n + (labels[p] !== k ? 1 : 0), 0);
      assert.equal(wrong, 0, `${width}×${height}, ${name}: ${wrong} of ${expected.length} pixels wrong`);
    }
  }
  model.dispose();
});

test("beyond 256 classes, predicted labels are 16-bit class ids", () => {
  // logit_k = 2k·(r + g) − k² = −(r + g − k)² + const: the class is r + g (capped at 299).
  const model = handSet(Array.from({ length: 900 }, (_, i) => (i % 3 < 2 ? 2 * Math.floor(i / 3) : 0)), Array.from({ length: 300 }, (_, k) => -k * k));
  const [width, height] = [9, 6];
  const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 41) % 256);
  const image = { width, height, pixels, meta: { file: "ramp", size: [height, width] as [number, number] } };
  const labels = predictLabels(model, image, predictionPipeline([{ type: "Pad", divisor: 32 }]), TEST);
  assert.ok(labels instanceof Uint16Array);
  const expected = Array.from({ length: width * height }, (_, p) => Math.min(299, pixels[3 * p] + pixels[3 * p + 1]));
  assert.ok(expected.some((k) => k >= 256), "the case needs classes above 255");
  assert.deepEqual(Array.from(labels), expected);
  model.dispose();
});

test("a pipeline whose geometry predict cannot undo is an error naming the file", () => {
  const model = channelClassifier();
  const { pixels } = primaryColours(20, 10, 1);
  const image = { width: 20, height: 10, pixels, meta: { file: "rotated.png", size: [10, 20] as [number, number] } };
  const rotate = predictionPipeline([{ type: "RandomRotate", prob: 1, degree: 30 }]);
  assert.throws(() => predictLabels(model, image, rotate, TEST), /rotated\.png: the test pipeline moves the image in a way predict cannot undo/);
  model.dispose();
});

function python(script: string, ...args: string[]): string {
  const r = spawnSync(PYTHON, ["-c", script, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const PIL_READ = `
import json, sys
import numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
palette = im.getpalette()
print(json.dumps({"mode": im.mode, "size": im.size, "values": np.array(im).astype(int).ravel().tolist(),
                  "palette": palette[:int(sys.argv[2]) * 3] if palette else None}))
`;

test("label PNGs store class ids: palette PNGs up to 256 classes, 16-bit grey beyond (read by PIL and segkit)", async () => {
  const [width, height] = [7, 5];
  for (const classes of [5, 256, 300]) {
    const palette: Rgb[] = Array.from({ length: classes }, (_, k) => [k % 256, (k * 7) % 256, (k >> 8) * 100 + (k % 3)]);
    const values = Array.from({ length: width * height }, (_, p) => (p * 37) % classes);
    const labels = classes > 256 ? Uint16Array.from(values) : Uint8Array.from(values);
    const file = join(tmp, `classes-${classes}.png`);
    writeFileSync(file, encodeLabelPng(labels, width, height, palette));
    const pil = JSON.parse(python(PIL_READ, file, String(classes)));
    assert.deepEqual(pil.size, [width, height]);
    assert.deepEqual(pil.values, Array.from(labels), `${classes} classes: PIL's values`);
    if (classes <= 256) {
      assert.equal(pil.mode, "P");
      assert.deepEqual(pil.palette, palette.flat(), `${classes} classes: PIL's palette`);
    } else {
      assert.match(pil.mode, /^I/, "16-bit grey");
      assert.equal(pil.palette, null);
    }
    assert.deepEqual(Array.from((await readLabelPng(file)).data), Array.from(labels), `${classes} classes: segkit's reader`);
  }
  assert.throws(() => encodeLabelPng(Uint8Array.of(0, 3), 2, 1, [[0, 0, 0], [1, 1, 1]]), /pixel 1 has class 3, but there are 2 classes/);
  assert.throws(() => encodeLabelPng(Uint8Array.of(0), 2, 1, [[0, 0, 0]]), /1 labels for a 2×1 image/);
});

function segkit(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `segkit ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function segkitFails(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  assert.equal(r.status, 1, `segkit ${args.join(" ")} should fail`);
  return r.stderr;
}

/** A folder dataset (images/, masks/, classes.json) of synthetic scenes whose size needs padding. */
async function folderDataset(root: string): Promise<void> {
  const scenes = new SyntheticDataset(6, [40, 52], 5);
  for (const dir of ["images", "masks"]) mkdirSync(join(root, dir), { recursive: true });
  for (let i = 0; i < scenes.length; i++) {
    const s = await scenes.raw(i);
    await sharp(s.pixels as Uint8Array, { raw: { width: s.width, height: s.height, channels: 3 } }).png().toFile(join(root, "images", `s${i}.png`));
    await sharp(s.label, { raw: { width: s.width, height: s.height, channels: 1 } }).toColourspace("b-w").png().toFile(join(root, "masks", `s${i}.png`));
  }
  writeFileSync(join(root, "classes.json"), JSON.stringify({ classes: SYNTHETIC_CLASSES, palette: SYNTHETIC_PALETTE }));
}

test("segkit predict → segkit eval reproduces segkit test; a checkpoint predicts without its dataset", async () => {
  const root = join(tmp, "scenes");
  await folderDataset(root);
  const dataset = { type: "folder", root };
  const config = {
    model: { type: "unet", numClasses: 5, widths: [8, 16] },
    data: {
      train: { dataset, pipeline: [{ type: "RandomFlip", prob: 0.5 }, { type: "Normalize" }], batchSize: 2 },
      val: { dataset, pipeline: [{ type: "Normalize" }, { type: "Pad", divisor: 32 }], batchSize: 2 },
    },
    optimizer: { type: "AdamW", lr: 0.01 },
    train: { iters: 30, valInterval: 30, checkpointInterval: 30, logInterval: 30, seed: 1, threads: 1 },
  };
  const workDir = join(tmp, "run");
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);
  await train(runConfig(structuredClone(config) as never), { workDir, progress: quiet });
  const configFile = join(tmp, "scenes.json");
  writeFileSync(configFile, JSON.stringify(config));
  const checkpoint = join(workDir, "checkpoints", "iter_30.safetensors");

  const tested = JSON.parse(segkit("test", configFile, checkpoint, "--json"));
  const out = join(tmp, "predicted");
  segkit("predict", configFile, checkpoint, join(root, "images"), "--out", out);
  const evaluated = JSON.parse(segkit("eval", "--pred", join(out, "labels"), "--gt", join(root, "masks"), "--classes", "5", "--json"));
  assert.ok(tested.IoU.filter((v: number | null) => v !== null && v > 0).length >= 2, `the model predicts more than one class: ${JSON.stringify(tested.IoU)}`);
  for (const key of ["aAcc", "mIoU", "mAcc", "IoU"]) assert.deepEqual(evaluated[key], tested[key], key);

  // The dataset gone from the config: the checkpoint's classes and palette are enough.
  const noData = join(tmp, "no-data.json");
  const missing = { type: "folder", root: join(tmp, "nowhere") };
  writeFileSync(noData, JSON.stringify({ ...config, data: { train: { ...config.data.train, dataset: missing }, val: { ...config.data.val, dataset: missing } } }));
  const again = join(tmp, "predicted-without-data");
  segkit("predict", noData, checkpoint, join(root, "images"), "--out", again);
  const names = readdirSync(join(out, "labels")).sort();
  assert.deepEqual(readdirSync(join(again, "labels")).sort(), names);
  for (const name of names) {
    const pil = JSON.parse(python(PIL_READ, join(again, "labels", name), "5"));
    assert.equal(pil.mode, "P");
    assert.deepEqual(pil.palette, SYNTHETIC_PALETTE.flat());
    assert.deepEqual(pil.values, Array.from((await readLabelPng(join(out, "labels", name))).data), name);
  }

  // A plain state dict carries no classes: then the dataset must give them, and the error says so.
  const { tensors } = torch.loadSafetensors(checkpoint);
  const plain = join(tmp, "plain.safetensors");
  torch.saveSafetensors(plain, new Map([...tensors].filter(([k]) => k.startsWith("model/")).map(([k, t]) => [k.slice("model/".length), t])));
  for (const t of tensors.values()) t.dispose();
  assert.match(segkitFails("predict", noData, plain, join(root, "images"), "--out", again), /checkpoint .*plain\.safetensors stores no class names and palette, and the config's dataset cannot give them/);
  segkit("predict", configFile, plain, join(root, "images"), "--out", join(tmp, "predicted-plain"));
});

test("predict refuses inputs that would write outputs of the same name", async () => {
  const dir = join(tmp, "clash");
  mkdirSync(dir, { recursive: true });
  const { pixels } = primaryColours(8, 8, 2);
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(dir, "x.png"));
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).jpeg().toFile(join(dir, "x.jpg"));
  const config = join(tmp, "clash.json");
  writeFileSync(config, JSON.stringify({ model: { type: "unet", numClasses: 5, widths: [4, 8] }, data: { train: { dataset: { type: "synthetic" } }, val: { dataset: { type: "synthetic" } } } }));
  assert.match(segkitFails("predict", config, join(tmp, "none.safetensors"), dir, "--out", join(tmp, "clash-out")), /inputs .*x\.jpg and .*x\.png would both write predictions named x/);
});
