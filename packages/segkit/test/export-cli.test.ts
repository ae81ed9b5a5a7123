// `segkit export`: writes a file onnxruntime runs with the checkpoint's weights, refuses bad
// arguments with errors naming them, and leaves no partial file behind (TorchScript files are
// checked in PyTorch by export-zoo.test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { loadModel } from "../src/engine/load.js";
import { runConfig } from "../src/engine/run-config.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-export-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const MODEL = { type: "unet", numClasses: 4, widths: [4, 8] };
const CONFIG = {
  model: MODEL,
  data: {
    train: { dataset: { type: "synthetic", length: 2, size: [32, 32], seed: 1 }, pipeline: [{ type: "Normalize" }], batchSize: 1 },
    val: { dataset: { type: "synthetic", length: 2, size: [32, 32], seed: 2 }, pipeline: [{ type: "Normalize" }], batchSize: 1 },
  },
  optimizer: { type: "SGD", lr: 0.01 },
  schedule: { type: "poly", power: 0.9 },
  train: { iters: 1 },
};

function segkit(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

torch.manualSeed(5);
const model = build<Segmentor>("model", MODEL).eval();
const configPath = join(tmp, "config.json");
const checkpoint = join(tmp, "weights.safetensors");
writeFileSync(configPath, JSON.stringify(CONFIG));
torch.saveSafetensors(checkpoint, model.stateDict());

test("export --format onnx writes a model onnxruntime runs with the checkpoint's weights", async () => {
  const out = join(tmp, "unet.onnx");
  const r = segkit("export", configPath, checkpoint, "--format", "onnx", "--out", out, "--size", "32", "48");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /onnx written to .*unet\.onnx \(32×48; on a second input, 1×32×48, it differs from the model by/);
  const input = torch.randn([1, 3, 32, 48]);
  const expected = torch.noGrad(() => model.call(input));
  const session = await ort.InferenceSession.create(out);
  const { logits } = await session.run({ image: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
  await session.release();
  assert.deepEqual(logits.dims, [1, 4, 32, 48]);
  const got = torch.tensor(logits.data as Float32Array).reshape([1, 4, 32, 48]);
  assert.ok(torch.relativeDifference([got], [expected]) <= 1e-4);
});

test("export --argmax writes a model whose output is the class ids", async () => {
  const out = join(tmp, "labels.onnx");
  const r = segkit("export", configPath, checkpoint, "--format", "onnx", "--out", out, "--size", "32", "32", "--argmax");
  assert.equal(r.status, 0, r.stderr);
  const input = torch.randn([1, 3, 32, 32]);
  const expected = torch.noGrad(() => model.call(input).argmax(1)).toArray();
  const session = await ort.InferenceSession.create(out);
  const { labels } = await session.run({ image: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
  await session.release();
  assert.equal(labels.type, "int64");
  assert.deepEqual(labels.dims, [1, 32, 32]);
  const got = Array.from(labels.data as BigInt64Array, Number);
  const agreeing = got.filter((v, i) => v === expected[i]).length / expected.length;
  assert.ok(agreeing >= 0.999, `labels agree on ${agreeing} of the pixels`);
});

test("bad arguments are refused with errors naming them, and no file is left", () => {
  // One process for the command line's own refusal; the rest in-process (each CLI start loads libtorch).
  const missing = segkit("export", configPath, join(tmp, "nope.safetensors"), "--format", "onnx", "--out", join(tmp, "m.onnx"), "--size", "32");
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /--size 32: expected two positive integers/);
  const dir = join(tmp, "refused");
  mkdirSync(dir);
  const out = join(dir, "m.onnx");
  assert.throws(() => exportModel(model, out, { format: "onnx", size: [31, 32], modelType: "unet" }),
    /--size 31 32: height and width must be positive multiples of 2 for unet/);
  assert.throws(() => exportModel(model, join(tmp, "no-such-dir", "m.onnx"), { format: "onnx", size: [32, 32], modelType: "unet" }), /no-such-dir/);
  assert.throws(() => loadModel(runConfig(CONFIG), join(tmp, "nope.safetensors")), /checkpoint .*nope\.safetensors: no such file/);
  assert.deepEqual(readdirSync(dir), []);
  assert.ok(!existsSync(join(tmp, "no-such-dir")));
});
