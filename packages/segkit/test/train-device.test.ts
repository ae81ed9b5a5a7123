// train.device: "cpu" trains end to end (and is recorded with the threads libtorch reports); a CUDA
// device on this CPU-only libtorch fails at start, naming the key, the linked library and its
// backends, in train() and through the CLI; a device string that is not cpu/cuda/cuda:N is refused by
// the config reader, naming the key; the distributed backend follows the device (NCCL for CUDA,
// which this addon refuses as not implemented).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-device-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);

const CONFIG = {
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 4, size: [16, 16], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 2, size: [16, 16], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  train: { iters: 2, valInterval: 2, checkpointInterval: 2, logInterval: 1, seed: 3, threads: 1 },
};
const withDevice = (device: unknown) => runConfig(JSON.parse(JSON.stringify({ ...CONFIG, train: { ...CONFIG.train, device } })));
const NO_CUDA = /config\.train\.device is cuda:0 but the linked libtorch \(\/\S*libtorch_cpu\.so[^)]*\) was built without CUDA; its backends: CPU$/m;

test("train.device cpu trains end to end and is recorded with the threads libtorch reports", async () => {
  const workDir = join(tmp, "cpu");
  const result = await train(withDevice("cpu"), { workDir, progress: quiet });
  assert.equal(result.iterations, 2);
  assert.ok(Number.isFinite(result.last?.mIoU), "validated at the end");
  const start = JSON.parse(readFileSync(join(workDir, "sessions.jsonl"), "utf8").split("\n")[0]) as { device: string; rankThreads: number[] };
  assert.equal(start.device, "cpu");
  assert.deepEqual(start.rankThreads, [1]);
});

test("on a libtorch without CUDA, train.device cuda:0 fails at start naming the key, the library and its backends", async () => {
  assert.deepEqual(torch.builtBackends(), ["CPU"], "this check is for a CPU-only libtorch (Debian's)");
  await assert.rejects(train(withDevice("cuda:0"), { workDir: join(tmp, "cuda"), progress: quiet }), NO_CUDA);
  const configPath = join(tmp, "tiny.json");
  writeFileSync(configPath, JSON.stringify(CONFIG));
  const run = spawnSync(process.execPath, [CLI, "train", configPath, "--work-dir", join(tmp, "cuda-cli"), "--set", "train.device=cuda:0"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, NO_CUDA);
});

test("a device that is not cpu, cuda or cuda:N is refused naming config.train.device", () => {
  for (const device of ["gpu", "cuda:x", "CPU", "cuda:", 0]) {
    assert.throws(() => withDevice(device), new RegExp(`^Error: config\\.train\\.device must be "cpu", "cuda" or "cuda:N" \\(N a device index\\), got ${JSON.stringify(JSON.stringify(device)).slice(1, -1)}$`), String(device));
  }
  assert.equal(withDevice("cuda:1").train.device, "cuda:1", "a well-formed CUDA device passes the reader (libtorch is asked at start)");
});

test("the distributed backend follows the device: Gloo for cpu, NCCL for cuda, which this addon refuses as not implemented", async () => {
  assert.equal(torch.distributed.backendFor("cpu"), "gloo");
  assert.equal(torch.distributed.backendFor("cuda:1"), "nccl");
  await assert.rejects(torch.distributed.initProcessGroup({ backend: "nccl", masterAddr: "127.0.0.1", masterPort: 1, rank: 0, worldSize: 1 }),
    /^Error: initProcessGroup: backend nccl is not implemented: this addon's process group is Gloo \(CPU tensors\) only$/);
});
