// Distributed training and evaluation through the CLI (`--nproc-per-node 2`, ranks on loopback):
// 2 ranks × batch 1 train to the weights of 1 process × batch 2 (U-Net with SyncBatchNorm, per-sample
// augmentation seeds, a loss without ignored pixels), resumed on every rank from the same checkpoint;
// only rank 0 writes; sharded `segkit test` prints exactly the single-process metrics; a rank that
// dies stops the others with an error naming it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertSameWeights, weights } from "./checkpoint-weights.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-dist-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

// Batch 2 in one process; each rank takes batch 1 (--set data.train.batchSize=1).
const CONFIG = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 8, size: [16, 16], seed: 1 }, pipeline: [{ type: "random_flip", prob: 0.5 }, { type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 5, size: [16, 16], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  // Not poly: its rate depends on train.iters, which the interrupted distributed run lowers to 4.
  schedule: { type: "step", stepSize: 3, gamma: 0.5 },
  train: { iters: 6, valInterval: 6, checkpointInterval: 2, keepLast: 3, logInterval: 1, seed: 3, threads: 1 },
};
const configPath = join(tmp, "tiny.json");
writeFileSync(configPath, JSON.stringify(CONFIG));

function segkit(args: string[], ranks?: number) {
  // Without --master-port the launcher takes a free port (a single node).
  const launch = ranks === undefined ? [] : ["--nproc-per-node", String(ranks)];
  const run = spawnSync(process.execPath, [CLI, ...args, ...launch], { encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, `segkit ${args.join(" ")} ${launch.join(" ")}: ${run.stderr.slice(-3000)}`);
  return run;
}

const single = join(tmp, "single");
const twoRanks = join(tmp, "two-ranks");
const trained = (async () => {
  segkit(["train", configPath, "--work-dir", single]);
  // 4 iterations, then a second launch resumes every rank from iter_4 to 6.
  segkit(["train", configPath, "--work-dir", twoRanks, "--set", "data.train.batchSize=1", "--set", "train.iters=4"], 2);
  const resumed = segkit(["train", configPath, "--work-dir", twoRanks, "--set", "data.train.batchSize=1", "--resume"], 2);
  return resumed;
})();

test("2 ranks × batch 1 train to the weights of 1 process × batch 2, also after every rank resumed from the same checkpoint", async () => {
  const resumed = await trained;
  assert.match(resumed.stderr, /resumed from .*iter_4\.safetensors at iteration 4/);
  assertSameWeights(weights(twoRanks, 4), weights(single, 4), "iteration 4");
  assertSameWeights(weights(twoRanks, 6), weights(single, 6), "iteration 6 (resumed)");
  // Only rank 0 logs: one training record per iteration, as in the single process, with the loss
  // averaged over the ranks (the mean over the same 2 samples).
  const logged = (dir: string) => readFileSync(join(dir, "scalars.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { iter?: number; loss?: number }).filter((r) => r.loss !== undefined);
  const [distributedLog, singleLog] = [logged(twoRanks), logged(single)];
  assert.deepEqual(distributedLog.map((r) => r.iter), singleLog.map((r) => r.iter));
  for (const [i, r] of distributedLog.entries()) assert.ok(Math.abs(r.loss! - singleLog[i].loss!) <= 1e-5 * singleLog[i].loss!, `iteration ${r.iter}: loss ${r.loss} vs ${singleLog[i].loss}`);
});

test("segkit test --nproc-per-node 2 (5 images, shards of 3 and 2) prints exactly the single-process metrics", async () => {
  await trained;
  const checkpoint = join(single, "checkpoints", "iter_6.safetensors");
  assert.ok(existsSync(checkpoint));
  const one = segkit(["test", configPath, checkpoint, "--json"]);
  const two = segkit(["test", configPath, checkpoint, "--json"], 2);
  assert.deepEqual(JSON.parse(two.stdout), JSON.parse(one.stdout));
});

test("a rank that dies stops the other, and the launcher names it", async () => {
  await trained;
  const workDir = join(tmp, "killed");
  const launcher = spawn(process.execPath, [CLI, "train", configPath, "--work-dir", workDir, "--set", "train.iters=100000", "--set", "data.train.batchSize=1",
    "--nproc-per-node", "2"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  launcher.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  // Once training runs (rank 0 has logged), kill rank 1: the launcher's second child.
  while (!existsSync(join(workDir, "scalars.jsonl"))) await new Promise((r) => setTimeout(r, 200));
  const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(launcher.pid)], { encoding: "utf8" }).stdout.trim().split(/\s+/).map(Number);
  assert.equal(children.length, 2, `the launcher's children: ${children.join(", ")}`);
  const killedAt = Date.now();
  process.kill(children[1], "SIGKILL");
  const code = await new Promise<number | null>((resolve) => launcher.once("exit", resolve));
  assert.equal(code, 1);
  assert.match(stderr, /segkit: rank 1 failed \(killed by SIGKILL\); the other ranks were stopped/);
  assert.ok(Date.now() - killedAt < 20_000, `the launcher took ${Date.now() - killedAt} ms to stop`);
  for (const pid of children) assert.throws(() => process.kill(pid, 0), "every rank has exited");
});
