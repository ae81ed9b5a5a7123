// Mask2Former from the command line on its demo config (configs/demo_synthetic_panoptic_mask2former.json):
// `segkit train` trains it on the synthetic panoptic scenes' segments through the trainer for a few
// iterations (every layer's point-sampled losses logged), `segkit eval --task panoptic` scores the
// checkpoint, and `segkit export` writes it as ONNX, checked by onnxruntime on a second input.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const CONFIG = "demo_synthetic_panoptic_mask2former";
const tmp = mkdtempSync(join(tmpdir(), "segkit-cli-mask2former-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("segkit train, eval --task panoptic and export on the Mask2Former demo config", () => {
  const workDir = join(tmp, "run");
  const sets = ["train.iters=4", "train.valInterval=4", "train.logInterval=2", "train.threads=1", "data.val.dataset.length=4", "data.train.workers=0"];
  const train = spawnSync(process.execPath, [CLI, "train", CONFIG, "--work-dir", workDir, ...sets.flatMap((s) => ["--set", s])], { encoding: "utf8" });
  assert.equal(train.status, 0, train.stderr);
  const rows = readFileSync(join(workDir, "scalars.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
  const steps = rows.filter((row) => "loss" in row);
  assert.deepEqual(steps.map((row) => row.iter), [2, 4]);
  // 3 decoder layers: 4 predictions, the last unsuffixed, the others _0.._2.
  for (const row of steps) {
    for (const part of ["loss/loss_ce", "loss/loss_mask", "loss/loss_dice", "loss/loss_ce_0", "loss/loss_mask_2", "loss/loss_dice_2"]) {
      assert.ok(Number.isFinite(row[part]), `${part} logged at iteration ${row.iter}`);
    }
  }
  const checkpoint = join(workDir, "checkpoints", "iter_4.safetensors");
  assert.ok(existsSync(checkpoint));

  const evaluated = spawnSync(process.execPath, [CLI, "eval", "--task", "panoptic", "--config", CONFIG, "--checkpoint", checkpoint, "--set", "data.val.dataset.length=4", "--json"], { encoding: "utf8" });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout) as { task: string; images: number; all: { pq: number } };
  assert.equal(report.task, "panoptic");
  assert.equal(report.images, 4);
  assert.ok(report.all.pq >= 0 && report.all.pq <= 1);

  const exported = spawnSync(process.execPath, [CLI, "export", CONFIG, checkpoint, "--format", "onnx", "--size", "64", "64", "--out", join(tmp, "m2f.onnx")], { encoding: "utf8" });
  assert.equal(exported.status, 0, exported.stderr);
  const difference = Number(/differs from the model by (\S+) relative/.exec(exported.stdout)?.[1]);
  assert.ok(difference <= 1e-4, exported.stdout);
  assert.ok(existsSync(join(tmp, "m2f.onnx")));
});
