// Two hosts, a lost rank and a restart: rank 0 and rank 1 of `segkit train` (started as torchrun
// starts ranks: MASTER_ADDR, WORLD_SIZE, RANK in the environment) in two network namespaces joined by
// a veth pair (10.231.8.1 and .2, made here and removed afterwards), each with a work dir of its own
// (only rank 0 writes). Once training runs, rank 1 is killed: rank 0 must fail by itself within the
// timeout (--dist-timeout 10) naming rank 1. Then both restart with --resume: every rank continues
// from rank 0's last checkpoint (rank 1's work dir has none: rank 0 sends it), and the weights equal
// those of one uninterrupted process training on the whole batches. Skipped only where
// `ip netns add` is not permitted. (The launcher's own supervision is engine-distributed.test's.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CheckpointKeeper } from "../src/engine/checkpoint.js";
import { checkpointDir } from "../src/engine/hooks/checkpoint-hook.js";
import { assertSameWeights, weights } from "./checkpoint-weights.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const NAMESPACES = [`segkit-${process.pid}-r0`, `segkit-${process.pid}-r1`];
const DEVICES = ["skrst0", "skrst1"];
const ADDRESSES = ["10.231.8.1", "10.231.8.2"];
const TIMEOUT_SECONDS = 10;

function ip(...args: string[]): void {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ip ${args.join(" ")}: ${run.stderr.trim() || run.error?.message}`);
}

const probe = spawnSync("ip", ["netns", "add", NAMESPACES[0]], { encoding: "utf8" });
const notPermitted = probe.status === 0 ? null : `ip netns add is not permitted here: ${(probe.stderr || probe.error?.message || "").trim()}`;
if (notPermitted !== null) console.log(`# ${notPermitted}`);

const tmp = mkdtempSync(join(tmpdir(), "segkit-netns-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
// Batch 1 per rank; the uninterrupted reference takes batch 2 in one process.
const CONFIG = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 8, size: [16, 16], seed: 1 }, pipeline: [{ type: "random_flip", prob: 0.5 }, { type: "normalize" }], batchSize: 1 },
    val: { dataset: { type: "synthetic", length: 2, size: [16, 16], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 1 },
  },
  optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  schedule: { type: "step", stepSize: 3, gamma: 0.5 },
  train: { iters: 100_000, valInterval: 100_000, checkpointInterval: 2, keepLast: 2, logInterval: 1, seed: 3, threads: 1 },
};
const configPath = join(tmp, "tiny.json");
writeFileSync(configPath, JSON.stringify(CONFIG));
const workDirs = [join(tmp, "node0"), join(tmp, "node1")];

interface Run { pid: number; exit: Promise<{ code: number | null; stderr: string; at: number }> }

/** Starts `command`; `exit` resolves with its exit code, its stderr and when it ended. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return { pid: child.pid!, exit: new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr, at: Date.now() }))) };
}

/** Rank `rank` of 2 in its namespace, reaching the other over the veth pair. */
function startRank(rank: number, extra: string[]): Run {
  return run("ip", ["netns", "exec", NAMESPACES[rank], process.execPath, CLI, "train", configPath, "--work-dir", workDirs[rank], "--dist-timeout", String(TIMEOUT_SECONDS), ...extra],
    { ...process.env, MASTER_ADDR: ADDRESSES[0], MASTER_PORT: "29518", WORLD_SIZE: "2", RANK: String(rank), GLOO_SOCKET_IFNAME: DEVICES[rank] });
}

// Started at once: it runs while the namespaces' test waits.
const badTimeout = run(process.execPath, [CLI, "train", configPath, "--work-dir", join(tmp, "never"), "--nproc-per-node", "2", "--dist-timeout", "0"]).exit;

const latestIteration = (workDir: string) => new CheckpointKeeper(checkpointDir(workDir)).iterationFiles().at(-1)?.iteration ?? 0;

test("two hosts: killing rank 1 mid-training makes rank 0 fail within the timeout naming it; --resume continues every rank from rank 0's last checkpoint", { skip: notPermitted ?? false }, async () => {
  try {
    ip("netns", "add", NAMESPACES[1]);
    ip("link", "add", DEVICES[0], "netns", NAMESPACES[0], "type", "veth", "peer", "name", DEVICES[1], "netns", NAMESPACES[1]);
    for (const k of [0, 1]) {
      ip("-n", NAMESPACES[k], "addr", "add", `${ADDRESSES[k]}/24`, "dev", DEVICES[k]);
      ip("-n", NAMESPACES[k], "link", "set", DEVICES[k], "up");
      ip("-n", NAMESPACES[k], "link", "set", "lo", "up");
    }
    const first = [0, 1].map((rank) => startRank(rank, []));
    // Rank 0 has saved iter_4: training runs. `ip netns exec` runs node in place: the pid is rank 1's.
    const deadline = Date.now() + 60_000;
    while (latestIteration(workDirs[0]) < 4) {
      assert.ok(Date.now() < deadline, "no iter_4 checkpoint within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(readFileSync(`/proc/${first[1].pid}/environ`, "utf8").split("\0").includes("RANK=1"), "the process killed is rank 1");
    const killedAt = Date.now();
    process.kill(first[1].pid, "SIGKILL");
    const [zero] = await Promise.all(first.map((r) => r.exit));
    assert.equal(zero.code, 1, `rank 0 ended with ${zero.code}: ${zero.stderr.slice(-2000)}`);
    assert.match(zero.stderr, new RegExp(`^segkit: .*\\(rank 0 of 2, timeout ${TIMEOUT_SECONDS * 1000} ms\\): .*lost rank 1\\b`, "m"), zero.stderr.slice(-2000));
    assert.ok(zero.at - killedAt < TIMEOUT_SECONDS * 1000, `rank 0 took ${zero.at - killedAt} ms to fail`);

    const last = latestIteration(workDirs[0]);
    assert.equal(existsSync(checkpointDir(workDirs[1])), false, "rank 1 writes no checkpoints");
    const single = join(tmp, "single");
    // The reference: one process training on the whole batches (batch 2), meanwhile.
    const alone = run(process.execPath, [CLI, "train", configPath, "--work-dir", single, "--set", "data.train.batchSize=2", "--set", `train.iters=${last + 2}`]).exit;
    const resumed = await Promise.all([0, 1].map((rank) => startRank(rank, ["--resume", "--set", `train.iters=${last + 2}`]).exit));
    for (const [rank, r] of resumed.entries()) assert.equal(r.code, 0, `rank ${rank} after --resume: ${r.stderr.slice(-2000)}`);
    const reference = await alone;
    assert.equal(reference.code, 0, `the single process: ${reference.stderr.slice(-2000)}`);
    assert.match(resumed[0].stderr, new RegExp(`resumed from .*iter_${last}\\.safetensors at iteration ${last}`));
    assertSameWeights(weights(workDirs[0], last), weights(single, last), `iteration ${last}, before the kill`);
    assertSameWeights(weights(workDirs[0], last + 2), weights(single, last + 2), `iteration ${last + 2}, after the restart`);
  } finally {
    for (const ns of NAMESPACES) spawnSync("ip", ["netns", "delete", ns]);
  }
});

test("--dist-timeout must be a positive number of seconds, checked before any rank starts", async () => {
  const { code, stderr } = await badTimeout;
  assert.equal(code, 1);
  assert.match(stderr, /^segkit: --dist-timeout must be an integer ≥ 1, got "0"$/m);
  assert.equal(existsSync(join(tmp, "never")), false, "no rank ran");
});
