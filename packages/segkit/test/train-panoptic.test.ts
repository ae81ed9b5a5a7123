// Panoptic training through the trainer: the loader carries each sample's segments with the batch,
// they become one (class, mask) target per segment, and `segkit train` on the shipped panoptic demo
// config trains MaskFormer on them (forwardTrainSegments: its set-criterion losses are logged);
// `segkit eval --task panoptic --config --checkpoint` scores that checkpoint's predictPanoptic on the
// config's val data.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { SyntheticPanopticDataset } from "../src/data/datasets/synthetic-panoptic.js";
import { DataLoader } from "../src/data/loader/data-loader.js";
import { panopticMaskTargets } from "../src/engine/panoptic-targets.js";

torch.setNumThreads(1);
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-train-panoptic-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function firstBatch(type: string) {
  const loader = new DataLoader({ dataset: { type, length: 4, size: [32, 32], seed: 3 }, batchSize: 2, shuffle: false, workers: 0 });
  for await (const batch of loader.epoch(0)) {
    await loader.close();
    return batch;
  }
  throw new Error("no batch");
}

test("the loader carries panoptic segments; each becomes one target whose masks tile the image", async () => {
  const semantic = await firstBatch("synthetic");
  assert.equal(semantic.panoptic, null);
  semantic.images.dispose();
  semantic.labels.dispose();

  const batch = await firstBatch("synthetic_panoptic");
  assert.equal(batch.panoptic?.length, 2);
  const targets = panopticMaskTargets(batch.panoptic!, [32, 32]);
  targets.forEach((target, i) => {
    const kept = batch.panoptic![i].segments.filter((s) => s.area > 0);
    assert.deepEqual(target.labels.toArray(), kept.map((s) => s.category));
    assert.deepEqual(target.masks.shape, [kept.length, 32, 32]);
    // Every pixel of a synthetic scene is in exactly one segment (stuff or a shape).
    assert.equal(torch.tidy(() => target.masks.sum(0).eq(1).all().item()), 1);
    assert.deepEqual(torch.tidy(() => target.masks.sum([1, 2]).toArray()), kept.map((s) => s.area));
    target.labels.dispose();
    target.masks.dispose();
  });
  assert.throws(() => panopticMaskTargets(batch.panoptic!, [16, 64 + 1]), /panoptic target: 1024 segment ids for a 16×65 image/);
  batch.images.dispose();
  batch.labels.dispose();
});

test("segkit train demo_synthetic_panoptic trains MaskFormer on panoptic targets for a few iterations", () => {
  const workDir = join(tmp, "run");
  const sets = ["train.iters=4", "train.valInterval=4", "train.logInterval=2", "train.threads=1", "data.val.dataset.length=4", "data.train.workers=0"];
  const r = spawnSync(process.execPath, [CLI, "train", "demo_synthetic_panoptic", "--work-dir", workDir, ...sets.flatMap((s) => ["--set", s])], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(join(workDir, "scalars.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
  const steps = rows.filter((row) => "loss" in row);
  assert.deepEqual(steps.map((row) => row.iter), [2, 4]);
  for (const row of steps) {
    for (const part of ["loss/loss_ce", "loss/loss_mask", "loss/loss_dice", "loss/loss_ce_0"]) assert.ok(Number.isFinite(row[part]), `${part} logged at iteration ${row.iter}`);
  }
  assert.ok(existsSync(join(workDir, "checkpoints", "iter_4.safetensors")));
});

test("segkit eval --task panoptic scores the trained checkpoint's panoptic predictions on the val data", async () => {
  const checkpoint = join(tmp, "run", "checkpoints", "iter_4.safetensors");
  const args = ["eval", "--task", "panoptic", "--config", "demo_synthetic_panoptic", "--checkpoint", checkpoint, "--set", "data.val.dataset.length=4", "--json"];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { images: number; all: { pq: number }; perCategory: { name: string; tp: number; fn: number }[] };
  assert.equal(report.images, 4);
  assert.ok(report.all.pq >= 0 && report.all.pq <= 1);
  // Every ground-truth segment of the val scenes is either matched or missed: tp + fn per category.
  const val = new SyntheticPanopticDataset(4, [64, 64], 2);
  const segments = (await Promise.all([0, 1, 2, 3].map((i) => val.raw(i)))).flatMap((s) => s.panoptic.segments.filter((g) => g.area > 0));
  assert.deepEqual(report.perCategory.map((c) => c.tp + c.fn), val.classes.map((_, c) => segments.filter((g) => g.category === c).length));
  assert.deepEqual(report.perCategory.map((c) => c.name), val.classes);

  const noCheckpoint = spawnSync(process.execPath, [CLI, "eval", "--task", "panoptic", "--config", "demo_synthetic_panoptic"], { encoding: "utf8" });
  assert.notEqual(noCheckpoint.status, 0);
  assert.match(noCheckpoint.stderr, /--config needs --checkpoint/);
  const noFiles = spawnSync(process.execPath, [CLI, "eval", "--task", "panoptic"], { encoding: "utf8" });
  assert.match(noFiles.stderr, /--task panoptic needs --pred and --gt \(or --config and --checkpoint\)/);
});
