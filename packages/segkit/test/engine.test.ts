// Engine pieces: atomic checkpoints with rotation and best tracking, the JSONL scalar log, progress
// lines, SVG plots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "@segkit/torch";
import { CheckpointKeeper, disposeCheckpoint, loadCheckpoint, saveCheckpoint } from "../src/engine/checkpoint.js";
import { ScalarLog } from "../src/engine/scalar-log.js";
import { Progress } from "../src/engine/progress.js";
import { barChart, lineChart } from "../src/engine/plots.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-engine-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("checkpoints round-trip tensor groups and state", () => {
  const model = new Map([["conv.weight", torch.randn([4, 3, 3, 3])], ["bn.num_batches_tracked", torch.tensor(7)]]);
  const rng = new Map([["cpu", torch.getRngState()]]);
  const path = join(tmp, "a.safetensors");
  saveCheckpoint(path, { tensors: { model, rng }, state: { iteration: 12, schedule: { lastIter: 12 } } });
  const back = loadCheckpoint(path);
  assert.deepEqual(back.state, { iteration: 12, schedule: { lastIter: 12 } });
  assert.deepEqual([...back.tensors.model.keys()], ["conv.weight", "bn.num_batches_tracked"]);
  assert.ok(torch.equal(back.tensors.model.get("conv.weight")!, model.get("conv.weight")!));
  assert.ok(torch.equal(back.tensors.rng.get("cpu")!, rng.get("cpu")!));
  disposeCheckpoint(back);
  torch.saveSafetensors(join(tmp, "plain.safetensors"), { w: torch.ones([1]) });
  assert.throws(() => loadCheckpoint(join(tmp, "plain.safetensors")), /not a segkit checkpoint/);
});

test("the keeper keeps the last K and the best", () => {
  const dir = mkdtempSync(join(tmp, "run-"));
  const keeper = new CheckpointKeeper(dir, 2);
  const ck = (i: number) => ({ tensors: { model: new Map([["w", torch.full([1], i)]]) }, state: { iteration: i } });
  let best: number | null = null;
  for (const [i, miou] of [[10, 0.3], [20, 0.5], [30, 0.4]] as const) {
    keeper.save(i, ck(i));
    if (keeper.saveIfBest("mIoU", miou, ck(i), best)) best = miou;
  }
  assert.deepEqual(readdirSync(dir).sort(), ["best.safetensors", "iter_20.safetensors", "iter_30.safetensors"]);
  assert.equal(keeper.latest(), join(dir, "iter_30.safetensors"));
  const b = loadCheckpoint(keeper.bestPath);
  assert.deepEqual(b.state, { iteration: 20, best: { metric: "mIoU", value: 0.5 } });
  disposeCheckpoint(b);
  assert.throws(() => new CheckpointKeeper(dir, 0), /positive integer/);
});

test("a process killed while writing a checkpoint leaves the previous one loadable", async () => {
  const path = join(tmp, "killed.safetensors");
  saveCheckpoint(path, { tensors: { model: new Map([["w", torch.zeros([8])]]) }, state: { iteration: 1 } });
  const script = `
    const torch = await import(${JSON.stringify(import.meta.resolve("@segkit/torch"))});
    const { saveCheckpoint } = await import(${JSON.stringify(new URL("../src/engine/checkpoint.js", import.meta.url).href)});
    const big = new Map([["w", torch.randn([64, 1024, 1024])]]);
    process.stdout.write("ready\\n");
    for (let i = 2; ; i++) saveCheckpoint(${JSON.stringify(path)}, { tensors: { model: big }, state: { iteration: i } });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  await new Promise((r) => setTimeout(r, 700));
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const back = loadCheckpoint(path);
  assert.ok(typeof back.state.iteration === "number");
  disposeCheckpoint(back);
  for (const f of readdirSync(tmp).filter((f) => f.endsWith(".tmp"))) rmSync(join(tmp, f));
});

test("the scalar log appends lines and survives a torn last line", () => {
  const log = new ScalarLog(join(tmp, "scalars.jsonl"));
  log.append({ iter: 1, loss: 2.5, lr: 0.01 });
  log.append({ iter: 2, loss: 2.0, lr: 0.009 });
  appendFileSync(log.path, '{"iter": 3, "lo');
  assert.deepEqual(log.read().map((r) => r.iter), [1, 2]);
  assert.deepEqual(log.truncateAfter(1).map((r) => r.iter), [1]);
});

test("progress prints plain lines off a terminal with loss, lr, it/s and ETA", () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  let clock = 0;
  const p = new Progress(stream, 10, () => clock);
  for (let i = 1; i <= 20; i++) {
    clock += 500; // 2 it/s
    p.update({ iter: i, total: 20, loss: 1 / i, lr: 0.01 });
  }
  assert.equal(lines.length, 2);
  assert.equal(lines[0], "10/20  loss 0.1000  lr 1.00e-2  2.00 it/s  eta 00:05\n");
});

test("plots are well-formed SVG", () => {
  const svg = lineChart("loss", [{ name: "train", points: [[1, 2], [2, 1.5], [3, 1]] }], "iteration", "loss");
  assert.match(svg, /^<svg [^>]+>[\s\S]*<polyline[^>]+points="[\d., ]+"\/>[\s\S]*<\/svg>$/);
  const bars = barChart("IoU", ["sky", "road", "<b>"], [0.9, Number.NaN, 0.5]);
  assert.match(bars, /90\.0/);
  assert.match(bars, /n\/a/);
  assert.match(bars, /&lt;b&gt;/);
  assert.match(lineChart("empty", []), /no data/);
  assert.equal(existsSync(tmp), true);
});
