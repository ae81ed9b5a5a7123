// The engine end to end on a tiny config: training writes logs, plots and checkpoints; a run killed
// with SIGKILL resumes to the same final weights as an uninterrupted run, its clock continued; slide
// inference equals whole inference where windows cover the image once; predict writes its three
// outputs; CLI errors name the culprit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { Progress } from "../src/engine/progress.js";
import { loadCheckpoint, disposeCheckpoint } from "../src/engine/checkpoint.js";
import { Pointwise } from "./fixtures/pointwise.js";
import { readClassInfo } from "../src/engine/class-info.js";
import { readLabelPng } from "../src/io/label-png.js";
import { build } from "../src/config/registry.js";
import type { Dataset } from "../src/data/types.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-run-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);

const TINY = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 16, size: [32, 32], seed: 1 }, pipeline: [{ type: "RandomFlip", prob: 0.5 }, { type: "Normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 4, size: [32, 32], seed: 2 }, pipeline: [{ type: "Normalize" }], batchSize: 2 },
  },
  optimizer: { type: "SGD", lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
  schedule: { type: "poly", power: 0.9 },
  train: { iters: 12, valInterval: 6, checkpointInterval: 3, logInterval: 2, seed: 3, threads: 1 },
};

test("config keys are checked before anything is built", () => {
  assert.throws(() => runConfig({ ...TINY, trian: {} } as never), /config: unknown key "trian" \(did you mean "train"\?\)/);
  assert.throws(() => runConfig({ ...TINY, train: { ...TINY.train, itres: 3 } } as never), /config\.train: unknown key "itres" \(did you mean "iters"\?\)/);
  assert.throws(() => runConfig({ ...TINY, train: { ...TINY.train, iters: 0 } } as never), /config\.train\.iters must be a positive integer/);
  assert.throws(() => runConfig({ ...TINY, test: { mode: "slide" } } as never), /slide mode needs "crop" and "stride"/);
});

test("training writes the log, curves and checkpoints, and learns", async () => {
  const workDir = join(tmp, "plain");
  const result = await train(runConfig(structuredClone(TINY) as never), { workDir, progress: quiet });
  assert.equal(result.iterations, 12);
  for (const f of ["scalars.jsonl", "loss.svg", "lr.svg", "val_miou.svg", "class_iou.svg", "config.json", "checkpoints/best.safetensors", "checkpoints/iter_12.safetensors", "checkpoints/iter_9.safetensors"]) {
    assert.ok(existsSync(join(workDir, f)), f);
  }
  assert.ok(!existsSync(join(workDir, "checkpoints/iter_6.safetensors")), "keepLast 2 removes older checkpoints");
  const records = readFileSync(join(workDir, "scalars.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const losses = records.filter((r) => r.loss !== undefined).map((r) => r.loss as number);
  assert.equal(losses.length, 6);
  assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  // Every record averages the loss and its parts over the same interval, so the parts add up to it.
  for (const r of records.filter((x) => x.loss !== undefined)) {
    const parts = Object.keys(r).filter((k) => k.startsWith("loss/"));
    assert.ok(parts.length > 0, "the record has loss parts");
    const sum = parts.reduce((a, k) => a + (r[k] as number), 0);
    assert.ok(Math.abs(sum - r.loss) <= 1e-5 * Math.abs(r.loss), `iteration ${r.iter}: parts add up to ${sum}, loss ${r.loss}`);
  }
  assert.equal(records.filter((r) => r["val/mIoU"] !== undefined).length, 2);
  // Checkpoints carry the classes and palette, so predict needs no dataset.
  const { tensors, metadata } = torch.loadSafetensors(join(workDir, "checkpoints/best.safetensors"));
  for (const t of tensors.values()) t.dispose();
  const dataset = build<Dataset>("dataset", TINY.data.val.dataset);
  assert.deepEqual(readClassInfo(metadata, "best"), { classes: dataset.classes, palette: dataset.palette });
});

function finalWeights(workDir: string, iters: number): Map<string, number[]> {
  const ck = loadCheckpoint(join(workDir, "checkpoints", `iter_${iters}.safetensors`));
  const out = new Map([...ck.tensors.model].map(([k, t]) => [k, t.toArray()]));
  disposeCheckpoint(ck);
  return out;
}

/** Trains `config` once uninterrupted and once killed when iteration `killAt` is printed, then resumed. */
async function killAndResume(name: string, config: typeof TINY, killAt: number, resumeAt: number): Promise<void> {
  const iters = config.train.iters;
  const configPath = join(tmp, `${name}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const full = join(tmp, `${name}-full`);
  const killed = join(tmp, `${name}-killed`);
  const args = (dir: string, resume: boolean) => [CLI, "train", configPath, "--work-dir", dir, ...(resume ? ["--resume"] : [])];
  const uninterrupted = spawnSync(process.execPath, args(full, false), { encoding: "utf8" });
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);

  const child = spawn(process.execPath, args(killed, false), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const line = new RegExp(`^${killAt}/${iters} `, "m");
  await new Promise<void>((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (line.test(stderr) && child.exitCode === null) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.once("exit", () => resolve());
  });
  await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once("exit", r) : r(null)));
  assert.equal(child.signalCode, "SIGKILL", "the run was killed before it finished");
  assert.ok(!existsSync(join(killed, "checkpoints", `iter_${iters}.safetensors`)));

  const resumed = spawnSync(process.execPath, args(killed, true), { encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resumed from .*iter_${resumeAt}\\.safetensors at iteration ${resumeAt}`));
  const [a, b] = [finalWeights(full, iters), finalWeights(killed, iters)];
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
  // The resumed run continues the clock of the killed one: logged training time never goes back.
  const times = readFileSync(join(killed, "scalars.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).time).filter((t) => t !== undefined);
  assert.deepEqual(times, [...times].sort((x, y) => x - y), `logged times ${times.join(", ")}`);
}

test("a run killed with SIGKILL resumes to the same final weights", async () => {
  await killAndResume("tiny", TINY, 8, 6);
});

test("a self-correction run killed in its second cycle resumes to the same final weights", async () => {
  // Cycles end at 12 and 16: the kill at 14 loses the refinement under way, the resume restores the average.
  const config = structuredClone(TINY);
  Object.assign(config.train, { iters: 16, checkpointInterval: 4, valInterval: 8, selfCorrection: { cycles: 2, cycleIters: 4, bnBatches: 2 } });
  await killAndResume("self-correction", config, 14, 12);
});

test("slide inference equals whole inference where windows cover the image once", () => {
  const model = new Pointwise(4);
  const x = torch.randn([1, 3, 32, 48]);
  const whole = model.predict(x, { mode: "whole" });
  const tiled = model.predict(x, { mode: "slide", crop: [16, 24], stride: [16, 24] });
  const single = model.predict(x, { mode: "slide", crop: [32, 48], stride: [32, 48] });
  assert.ok(torch.allclose(whole, tiled, 1e-6, 1e-6));
  assert.ok(torch.allclose(whole, single, 1e-6, 1e-6));
  model.dispose();
});

/** TINY as a config file, and the best checkpoint of the "plain" run trained above. */
function trainedTinyOnDisk(): { configPath: string; checkpoint: string } {
  const configPath = join(tmp, "tiny.json");
  writeFileSync(configPath, JSON.stringify(TINY));
  return { configPath, checkpoint: join(tmp, "plain", "checkpoints", "best.safetensors") };
}

test("--fold-bn (BatchNorm folded for inference) gives the same metrics and predictions", async () => {
  const { configPath, checkpoint } = trainedTinyOnDisk();
  const metrics = (...extra: string[]): { mIoU: number; aAcc: number } => {
    const r = spawnSync(process.execPath, [CLI, "test", configPath, checkpoint, "--json", ...extra], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const plain = metrics();
  const folded = metrics("--fold-bn");
  // Folding rounds differently (~1e-6 on the logits): an argmax tie could flip a pixel, no more.
  assert.ok(Math.abs(plain.mIoU - folded.mIoU) < 1e-3 && Math.abs(plain.aAcc - folded.aAcc) < 1e-3, `${JSON.stringify(plain)} vs ${JSON.stringify(folded)}`);
  const inputs = join(tmp, "fold-inputs");
  mkdirSync(inputs, { recursive: true });
  const noise = Buffer.from(Array.from({ length: 24 * 32 * 3 }, (_, i) => (i * 97) % 251));
  await sharp(noise, { raw: { width: 32, height: 24, channels: 3 } }).png().toFile(join(inputs, "n.png"));
  const labels: Uint8Array[] = [];
  for (const extra of [[], ["--fold-bn"]]) {
    const out = join(tmp, `fold-pred-${extra.length}`);
    const r = spawnSync(process.execPath, [CLI, "predict", configPath, checkpoint, inputs, "--out", out, ...extra], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    labels.push((await readLabelPng(join(out, "labels", "n.png"))).data as Uint8Array);
  }
  const differing = labels[0].reduce((n, v, i) => n + (v !== labels[1][i] ? 1 : 0), 0);
  assert.ok(differing <= 3, `${differing} of ${labels[0].length} label bytes differ`);
});

test("predict writes label PNGs, overlays and areas; CLI errors name the culprit", async () => {
  const { configPath, checkpoint } = trainedTinyOnDisk();
  const inputs = join(tmp, "inputs");
  mkdirSync(inputs, { recursive: true });
  await sharp(Buffer.alloc(20 * 28 * 3, 120), { raw: { width: 28, height: 20, channels: 3 } }).png().toFile(join(inputs, "a.png"));
  await sharp(Buffer.alloc(16 * 16 * 3, 60), { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toFile(join(inputs, "b.jpg"));
  const out = join(tmp, "pred");
  const r = spawnSync(process.execPath, [CLI, "predict", configPath, checkpoint, inputs, "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const name of ["a", "b"]) {
    const meta = await sharp(join(out, "labels", `${name}.png`)).metadata();
    assert.deepEqual([meta.width, meta.height], name === "a" ? [28, 20] : [16, 16]);
    assert.ok(existsSync(join(out, "overlays", `${name}.png`)));
    const areas = JSON.parse(readFileSync(join(out, "areas", `${name}.json`), "utf8"));
    const total = Object.values(areas.areas as Record<string, { pixels: number }>).reduce((s, a) => s + a.pixels, 0);
    assert.equal(total, areas.width * areas.height);
  }
  const missing = spawnSync(process.execPath, [CLI, "predict", configPath, checkpoint, join(inputs, "nope.png"), "--out", out], { encoding: "utf8" });
  assert.match(missing.stderr, /input .*nope\.png: no such file or folder/);
  writeFileSync(join(inputs, "corrupt.png"), "not a png");
  const corrupt = spawnSync(process.execPath, [CLI, "predict", configPath, checkpoint, join(inputs, "corrupt.png"), "--out", out], { encoding: "utf8" });
  assert.match(corrupt.stderr, /cannot decode image .*corrupt\.png/);
  const noCheckpoint = spawnSync(process.execPath, [CLI, "test", configPath, join(tmp, "none.safetensors")], { encoding: "utf8" });
  assert.match(noCheckpoint.stderr, /checkpoint .*none\.safetensors: no such file/);
  const noConfig = spawnSync(process.execPath, [CLI, "train", "demo_synthetc"], { encoding: "utf8" });
  assert.match(noConfig.stderr, /config demo_synthetc: no such file, and no shipped config of that name \(did you mean "demo_synthetic"\?\)/);
  const badSet = spawnSync(process.execPath, [CLI, "train", configPath, "--set", "optimizer.lrr=1"], { encoding: "utf8" });
  assert.match(badSet.stderr, /unknown key "optimizer\.lrr" \(did you mean "lr"\?\)/);
  const wrongClasses = spawnSync(process.execPath, [CLI, "test", configPath, checkpoint, "--set", "model.numClasses=3"], { encoding: "utf8" });
  assert.match(wrongClasses.stderr, /checkpoint .*best\.safetensors: stores 5 classes but config\.model predicts 3/);
});
