// The model zoo: a finished run packs into float16 weights + a manifest (re-scored after the
// conversion, sessions listed), the weights load by name only while their sha256 matches, damaged
// manifests name file and key, unfinished or differently configured runs are refused, and
// docs/model-zoo.md is what `npm run docs` writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { loadRunConfig, loadModel } from "../src/engine/load.js";
import { readManifest, sha256File, zooEntries, zooWeights, type ZooManifest } from "../src/engine/model-zoo.js";
import { modelZooMarkdown } from "../src/engine/model-zoo-docs.js";
import { evaluate } from "../src/engine/evaluate.js";
import { DataLoader } from "../src/data/loader/data-loader.js";
import { Progress } from "../src/engine/progress.js";
import { train } from "../src/engine/trainer.js";
import { splitCheckpoint } from "../src/cli/train.js";
import { packZooEntry } from "../tools/zoo-pack.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const DOCS = fileURLToPath(new URL("../../../../docs/model-zoo.md", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-zoo-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);

const TINY = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 16, size: [32, 32], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 4, size: [32, 32], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  schedule: { type: "poly", power: 0.9 },
  train: { iters: 6, valInterval: 6, checkpointInterval: 3, logInterval: 3, seed: 3, threads: 1 },
};

const configFile = join(tmp, "tiny_zoo.json");
writeFileSync(configFile, JSON.stringify(TINY));
const runDir = join(tmp, "run");
const zoo = join(tmp, "zoo");

test("docs/model-zoo.md is what npm run docs writes from the shipped manifests", () => {
  assert.ok(readFileSync(DOCS, "utf8") === modelZooMarkdown(zooEntries()), "docs/model-zoo.md is stale: run `npm run docs` and commit it");
});

test("a finished run packs into float16 weights whose manifest is re-scored after the conversion", async () => {
  await train(await loadRunConfig(configFile), { workDir: runDir, progress: quiet });
  const sessions = readFileSync(join(runDir, "sessions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(sessions.map((s) => [s.event, s.iteration]), [["start", 0], ["end", 6]]);

  const manifest = await packZooEntry(configFile, runDir, zoo, join(tmp, "logs"));
  assert.deepEqual(readManifest(join(zoo, "tiny_zoo.json")), manifest);
  assert.equal(manifest.config, "tiny_zoo");
  assert.equal(manifest.iterations, 6);
  assert.equal(manifest.sessions.length, 2);
  assert.equal(manifest.sha256, sha256File(join(zoo, "tiny_zoo.safetensors")));
  const { tensors, metadata } = torch.loadSafetensors(join(zoo, "tiny_zoo.safetensors"));
  try {
    const dtypes = new Set([...tensors.values()].map((t) => t.dtype));
    assert.ok(dtypes.has("float16") && !dtypes.has("float32"), `weights stored as ${[...dtypes]}`);
    assert.ok(JSON.parse(metadata["segkit.classes"]).classes.length === 5);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  // The manifest's scores are those of the float16 weights, not of the float32 checkpoint.
  const run = await loadRunConfig(configFile);
  const { model } = loadModel(run, zooWeights("tiny_zoo", zoo).weightsPath);
  const loader = new DataLoader({ ...run.data.val, shuffle: false });
  try {
    const { summary } = await evaluate(model, loader, run.test);
    assert.equal(manifest.val.single.mIoU, summary.mIoU);
  } finally {
    await loader.close();
    model.dispose();
  }
  assert.ok(manifest.latency.libtorch > 0 && manifest.latency.onnxruntime! > 0);
  assert.ok(manifest.parameters > 0 && manifest.gflops > 0);
  assert.deepEqual(readFileSync(join(tmp, "logs", "scalars.jsonl")), readFileSync(join(runDir, "scalars.jsonl")));
  assert.match(modelZooMarkdown(zooEntries(zoo)), /\| `tiny_zoo` \| 0\.\d\d \|/);
});

test("shipped weights load only while their sha256 matches the manifest", () => {
  const weights = join(zoo, "tiny_zoo.safetensors");
  const saved = join(tmp, "saved.safetensors");
  copyFileSync(weights, saved);
  const bytes = readFileSync(weights);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(weights, bytes);
  assert.throws(() => zooWeights("tiny_zoo", zoo), /tiny_zoo\.safetensors: sha256 [0-9a-f]{64} differs from the manifest's/);
  unlinkSync(weights);
  assert.throws(() => zooWeights("tiny_zoo", zoo), /tiny_zoo\.safetensors: the zoo manifest names this weights file but it is missing/);
  copyFileSync(saved, weights);
  assert.equal(zooWeights("tiny_zoo", zoo).manifest.config, "tiny_zoo");
  assert.throws(() => zooWeights("camvid_nothing", zoo), /segkit ships no trained weights for camvid_nothing \(shipped weights: tiny_zoo\)/);
});

test("a damaged manifest is refused naming the file and key", () => {
  const good = JSON.parse(readFileSync(join(zoo, "tiny_zoo.json"), "utf8")) as ZooManifest;
  const bad = join(tmp, "bad.json");
  const cases: [(m: Record<string, unknown>) => void, RegExp][] = [
    [(m) => { m.sha256 = "abc"; }, /"sha256" must be 64 lowercase hex digits/],
    [(m) => { m.weights = "../x.safetensors"; }, /"weights" must be a file name beside the manifest/],
    [(m) => { (m.val as ZooManifest["val"]).flip.mIoU = 1.5; }, /"val\.flip\.mIoU" must be a number in \[0, 1\], got 1\.5/],
    [(m) => { m.dtype = "float32"; }, /"dtype" must be "float16"/],
    [(m) => { (m.latency as Record<string, unknown>).libtorch = -1; }, /"latency\.libtorch" must be a positive number/],
    [(m) => { m.iterations = 2.5; }, /"iterations" must be a positive integer, got 2\.5/],
  ];
  for (const [damage, message] of cases) {
    const m = structuredClone(good) as unknown as Record<string, unknown>;
    damage(m);
    writeFileSync(bad, JSON.stringify(m));
    assert.throws(() => readManifest(bad), (e: Error) => e.message.startsWith(bad) && message.test(e.message), String(message));
  }
  writeFileSync(bad, "{ not json");
  assert.throws(() => readManifest(bad), /bad\.json: not a readable JSON manifest/);
});

test("only finished runs of the same settings are packed", async () => {
  const other = join(tmp, "other.json");
  writeFileSync(other, JSON.stringify({ ...TINY, optimizer: { ...TINY.optimizer, lr: 0.01 } }));
  writeFileSync(join(tmp, "tiny_zoo_copy.json"), JSON.stringify(TINY));
  await assert.rejects(packZooEntry(other, runDir, join(tmp, "zoo2")), /run\/config\.json: the run's settings differ from the shipped config other/);
  unlinkSync(join(runDir, "checkpoints", "iter_6.safetensors"));
  await assert.rejects(packZooEntry(configFile, runDir, join(tmp, "zoo2")), /iter_3\.safetensors: iteration 3 of 6 — the zoo takes finished schedules only/);
});

test("test and predict without a checkpoint name what the zoo has; a checkpoint is told from images by its extension", () => {
  const shipped = zooEntries().map((e) => e.manifest.config);
  const missing = spawnSync(process.execPath, [CLI, "test", "demo_synthetic"], { encoding: "utf8" });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, new RegExp(`segkit ships no trained weights for demo_synthetic \\(shipped weights: ${shipped.length > 0 ? shipped.join(", ") : "none"}\\)`));
  const file = spawnSync(process.execPath, [CLI, "predict", configFile, "a.png", "--out", tmp], { encoding: "utf8" });
  assert.match(file.stderr, /config .*tiny_zoo\.json: no checkpoint given \(segkit's trained weights belong to shipped config names/);
  assert.deepEqual(splitCheckpoint(["run/best.safetensors", "a.png", "b.jpg"]), { checkpoint: "run/best.safetensors", inputs: ["a.png", "b.jpg"] });
  assert.deepEqual(splitCheckpoint(["model.PTH", "dir"]), { checkpoint: "model.PTH", inputs: ["dir"] });
  assert.deepEqual(splitCheckpoint(["a.png", "b.png"]), { checkpoint: undefined, inputs: ["a.png", "b.png"] });
  assert.throws(() => splitCheckpoint(["best.safetensors"]), /predict: no input images given after the checkpoint best\.safetensors/);
  const listed = JSON.parse(spawnSync(process.execPath, [CLI, "zoo", "--json"], { encoding: "utf8" }).stdout) as ZooManifest[];
  assert.deepEqual(listed.map((m) => m.config), shipped);
});

test("every shipped model predicts and tests with no checkpoint argument, and segkit test reproduces its manifest's val mIoU", () => {
  const camvid = fileURLToPath(new URL("../../../../../shared/data/camvid/val", import.meta.url));
  const entries = zooEntries();
  assert.ok(entries.length > 0, "the zoo ships at least one model");
  for (const { manifest } of entries) {
    const out = join(tmp, `predict-${manifest.config}`);
    const image = join(camvid, readdirSync(camvid).sort()[0]);
    const predicted = spawnSync(process.execPath, [CLI, "predict", manifest.config, image, "--out", out], { encoding: "utf8" });
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.deepEqual(readdirSync(join(out, "labels")), [basename(image)]);
    const tested = spawnSync(process.execPath, [CLI, "test", manifest.config, "--json"], { encoding: "utf8" });
    assert.equal(tested.status, 0, tested.stderr);
    const metrics = JSON.parse(tested.stdout) as { mIoU: number };
    assert.ok(Math.abs(metrics.mIoU - manifest.val.single.mIoU) < 1e-5, `${manifest.config}: segkit test gives mIoU ${metrics.mIoU}, the manifest ${manifest.val.single.mIoU}`);
  }
});
