// `segkit train --nproc-per-node 2` gives each rank cores ÷ local ranks intra-op threads: every rank
// reports libtorch's own count (torch.get_num_threads, gathered across the ranks) and rank 0 records
// them in sessions.jsonl. The config leaves train.threads out and the command line asks for 7: the
// launcher's share wins. libtorch's per-rank "Reducer initialized" INFO line is not printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-dist-threads-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const CONFIG = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 4, size: [16, 16], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 1 },
    val: { dataset: { type: "synthetic", length: 2, size: [16, 16], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 1 },
  },
  optimizer: { type: "sgd", lr: 0.05 },
  train: { iters: 2, valInterval: 2, checkpointInterval: 2, logInterval: 1, seed: 3 },
};

test("each of 2 ranks runs with cores ÷ 2 intra-op threads, as libtorch reports them", () => {
  const configPath = join(tmp, "tiny.json");
  writeFileSync(configPath, JSON.stringify(CONFIG));
  const workDir = join(tmp, "run");
  const run = spawnSync(process.execPath, [CLI, "train", configPath, "--work-dir", workDir, "--set", "train.threads=7", "--nproc-per-node", "2"],
    { encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr.slice(-3000));
  const expected = Math.max(1, Math.floor(availableParallelism() / 2));
  const start = JSON.parse(readFileSync(join(workDir, "sessions.jsonl"), "utf8").split("\n")[0]) as { rankThreads: number[]; device: string };
  assert.deepEqual(start.rankThreads, [expected, expected]);
  assert.equal(start.device, "cpu");
  assert.match(run.stderr, new RegExp(`2 ranks on cpu, intra-op threads per rank: ${expected}, ${expected}`));
  assert.doesNotMatch(run.stderr, /Reducer initialized|InitGoogleLogging/);
});
