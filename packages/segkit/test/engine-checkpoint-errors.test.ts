// Resuming from a damaged checkpoint: corrupt JSON, missing or wrong-typed state keys, missing
// tensors, a truncated file. Each is an error naming the file and the key; nothing stays loaded (the
// live-tensor count returns to where it was) and the work dir's logs are byte for byte unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "@segkit/torch";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { Progress } from "../src/engine/progress.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-ckpt-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);

const config = (iters: number) => runConfig({
  model: { type: "unet", numClasses: 5, ignoreIndex: 255, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 8, size: [32, 32], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    val: { dataset: { type: "synthetic", length: 2, size: [32, 32], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
  },
  optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  train: { iters, valInterval: 3, checkpointInterval: 3, logInterval: 1, seed: 3, threads: 1, ema: { decay: 0.9 } },
});

type State = Record<string, unknown>;
type Safetensors = { tensors: Map<string, torch.Tensor>; metadata: Record<string, string> };
/** One way of damaging the checkpoint: its state JSON, its tensors and metadata, or its bytes. */
type Damage = { state: (s: State) => void } | { file: (f: Safetensors) => void } | { bytes: (good: Buffer) => Buffer };

const dropTensor = (f: Safetensors, key: string): void => {
  f.tensors.get(key)!.dispose();
  f.tensors.delete(key);
};

const CASES: [string, Damage, RegExp][] = [
  ["corrupt JSON", { file: (f) => { f.metadata["segkit.state"] = "{ nope"; } }, /resuming from .*iter_6\.safetensors: metadata "segkit\.state" is not valid JSON/],
  ["state not an object", { file: (f) => { f.metadata["segkit.state"] = "[6]"; } }, /resuming from .*iter_6\.safetensors: metadata "segkit\.state" must be a JSON object/],
  ["missing iteration", { state: (s) => { delete s.iteration; } }, /resuming from .*iter_6\.safetensors: state: "iteration" must be an integer >= 0, got undefined/],
  ["iteration as a string", { state: (s) => { s.iteration = "6"; } }, /resuming from .*iter_6\.safetensors: state: "iteration" must be an integer >= 0, got "6"/],
  ["negative iteration", { state: (s) => { s.iteration = -1; } }, /resuming from .*iter_6\.safetensors: state: "iteration" must be an integer >= 0, got -1/],
  ["best.mIoU not a number", { state: (s) => { s.best = { iter: 6, mIoU: "high" }; } }, /resuming from .*iter_6\.safetensors: state\.best: "mIoU" must be a number/],
  ["best after the iteration", { state: (s) => { s.best = { iter: 9, mIoU: 0.5 }; } }, /resuming from .*iter_6\.safetensors: state: "best\.iter" 9 is after "iteration" 6/],
  ["negative seconds", { state: (s) => { s.seconds = -1; } }, /resuming from .*iter_6\.safetensors: state: "seconds" must be a number in \[0, Infinity\]/],
  ["optimizer not an object", { state: (s) => { s.optimizer = 5; } }, /resuming from .*iter_6\.safetensors: state: "optimizer" must be an object, got 5/],
  ["missing schedule", { state: (s) => { delete s.schedule; } }, /resuming from .*iter_6\.safetensors: state: "schedule" must be an object, got undefined/],
  ["schedule behind the iteration", { state: (s) => { (s.schedule as State).iter = 3; } }, /resuming from .*iter_6\.safetensors: state: "schedule\.iter" 3 differs from "iteration" 6/],
  ["schedule.baseLrs not a list", { state: (s) => { (s.schedule as State).baseLrs = "0.05"; } }, /resuming from .*iter_6\.safetensors: state: "schedule\.baseLrs" must be an array/],
  ["missing hooks", { state: (s) => { delete s.hooks; } }, /resuming from .*iter_6\.safetensors: state: "hooks" must be an object, got undefined/],
  ["EMA updates not a number", { state: (s) => { (s.hooks as Record<string, State>).ema.updates = "a"; } }, /resuming from .*iter_6\.safetensors: state: "hooks\.ema\.updates" must be an integer >= 0, got "a"/],
  ["missing EMA weights", { file: (f) => dropTensor(f, [...f.tensors.keys()].find((k) => k.startsWith("ema/"))!) }, /resuming from .*iter_6\.safetensors: .*missing/],
  ["class info not JSON", { file: (f) => { f.metadata["segkit.classes"] = "{]"; } }, /resuming from .*iter_6\.safetensors: metadata "segkit\.classes" is not JSON/],
  ["missing RNG state", { file: (f) => dropTensor(f, "rng/cpu") }, /resuming from .*iter_6\.safetensors: tensor "rng\/cpu" must be a 1-D uint8 generator state/],
  ["missing model weight", { file: (f) => dropTensor(f, [...f.tensors.keys()].find((k) => k.startsWith("model/"))!) }, /resuming from .*iter_6\.safetensors: .*missing keys: /],
  ["truncated file", { bytes: (good) => good.subarray(0, Math.floor(good.length / 2)) }, /resuming from .*iter_6\.safetensors: /],
  ["header length past the end", { bytes: (good) => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), good.subarray(8)]) }, /resuming from .*iter_6\.safetensors: /],
];

/** Writes the pristine checkpoint, damaged, to `path`. */
function damaged(pristine: string, path: string, damage: Damage): void {
  if ("bytes" in damage) {
    writeFileSync(path, damage.bytes(readFileSync(pristine)));
    return;
  }
  const f = torch.loadSafetensors(pristine);
  if ("state" in damage) {
    const state = JSON.parse(f.metadata["segkit.state"]) as State;
    damage.state(state);
    f.metadata["segkit.state"] = JSON.stringify(state);
  } else {
    damage.file(f);
  }
  torch.saveSafetensors(path, f.tensors, f.metadata);
  for (const t of f.tensors.values()) t.dispose();
}

test("a damaged checkpoint stops the resume with an error naming file and key; logs untouched, nothing leaked", async () => {
  const workDir = join(tmp, "run");
  await train(config(6), { workDir, progress: quiet });
  const latest = join(workDir, "checkpoints", "iter_6.safetensors");
  const pristine = join(tmp, "pristine.safetensors");
  copyFileSync(latest, pristine);
  const logs = ["scalars.jsonl", "config.json"].map((f) => [f, readFileSync(join(workDir, f))] as const);
  const live = torch.liveTensors();

  for (const [name, damage, message] of CASES) {
    damaged(pristine, latest, damage);
    await assert.rejects(train(config(9), { workDir, resume: true, progress: quiet }), message, name);
    for (const [f, bytes] of logs) assert.ok(readFileSync(join(workDir, f)).equals(bytes), `${name}: ${f} unchanged`);
    assert.equal(torch.liveTensors(), live, `${name}: nothing stays loaded`);
  }

  copyFileSync(pristine, latest);
  const resumed = await train(config(9), { workDir, resume: true, progress: quiet });
  assert.equal(resumed.iterations, 9, "the undamaged checkpoint resumes");
});
