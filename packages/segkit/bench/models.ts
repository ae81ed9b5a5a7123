// npm run bench -- models: milliseconds per iteration of a U-Net training step (256×256, batch 2,
// SGD with momentum) and of DeepLabV3-ResNet50 inference (512×512, batch 1; in eval mode, and after
// optimizeForInference: BatchNorm folded), for segkit and for the PyTorch peer's
// `bench` (eval mode, its default layout) in the same run, 2 threads. The two alternate round by round (one timed
// iteration each, after warm-up) so that load from other processes falls on both alike. Prints
// medians and, last, a JSON line with the ratios ours/peer.
// Also stdc1_seg and ddrnet_23_slim inference (360×480) against the authors' STDC-Seg and DDRNet in
// PyTorch eager, from the checkouts STDC_SEG_DIR and DDRNET_DIR name. Options: --rounds N (timed
// rounds per case, default 5), --only name,... (cases whose model is listed).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { alternate, startLinePeer } from "@segkit/bench";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const THREADS = 2;
const CLASSES = 12;
const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "5" }, only: { type: "string" } } });
const ROUNDS = Number(args.rounds);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error(`--rounds: expected a positive integer, got "${args.rounds}"`);
const ONLY = args.only?.split(",");
const WARMUP = 2;

interface Case {
  model: string;
  mode: "train" | "infer";
  size: [number, number];
  batch: number;
  optimized?: boolean;
  /** A Python script of this folder timing the authors' model instead of the peer's (same arguments). */
  reference?: string;
}

const CASES: Case[] = [
  { model: "unet", mode: "train", size: [256, 256], batch: 2 },
  { model: "deeplabv3_resnet50", mode: "infer", size: [512, 512], batch: 1 },
  { model: "deeplabv3_resnet50", mode: "infer", size: [512, 512], batch: 1, optimized: true },
  // Against the authors' code (DDRNET_DIR: a checkout of github.com/ydhongHIT/DDRNet).
  { model: "ddrnet_23_slim", mode: "infer", size: [360, 480], batch: 1, reference: "ddrnet_reference.py" },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One timed peer iteration after its warm-up (a fresh process per round). */
function peerRound(c: Case): number {
  const common = ["--size", ...c.size.map(String), "--batch", String(c.batch), "--classes", String(CLASSES), "--iters", "1", "--warmup", String(WARMUP), "--threads", String(THREADS)];
  const args = c.reference
    ? [fileURLToPath(new URL(`../../bench/${c.reference}`, import.meta.url)), ...common]
    : [PEER, "bench", "--model", c.model, "--mode", c.mode, ...common];
  const out = execFileSync(PYTHON, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return (JSON.parse(out.trim().split("\n").pop()!) as { ms_per_iter: number }).ms_per_iter;
}

// The same step as the peer: SGD(lr 0.01, momentum 0.9, weight decay 5e-4) on cross-entropy, or an
// inference-mode forward in eval mode. Returns [ours, peer] medians over alternating rounds.
function measure(c: Case): [number, number] {
  torch.manualSeed(0);
  const model = build<Segmentor>("model", { type: c.model, numClasses: CLASSES });
  const x = torch.randn([c.batch, 3, ...c.size]);
  const y = torch.randint(0, CLASSES, [c.batch, ...c.size]);
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = c.mode === "train"
    ? (): void => {
      optimizer.zeroGrad({ setToNone: true });
      torch.tidy(() => model.forwardTrain(x, y).loss.backward());
      optimizer.step();
    }
    : (): void => torch.tidy(() => void torch.inferenceMode(() => model.predict(x)));
  model.train(c.mode === "train");
  if (c.optimized) model.optimizeForInference(x);
  for (let i = 0; i < WARMUP; i++) step();
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    step();
    mine.push(performance.now() - t);
    theirs.push(peerRound(c));
  }
  optimizer.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return [median(mine), median(theirs)];
}

// The authors' modules (models/model_stages.py) run for the main output only, as ours infers: their
// own forward also computes the auxiliary and detail heads, which inference discards. Their
// InPlaceABNSync (a CUDA extension) is batch norm on one device: nn.BatchNorm2d stands in.
const STDC_PEER = `
import sys, time, types
import torch, torch.nn as nn, torch.nn.functional as F
root, threads, classes, h, w = sys.argv[1], *map(int, sys.argv[2:6])
torch.set_num_threads(threads)
class PlainABN(nn.BatchNorm2d):
    def __init__(self, n, activation="none"):
        super().__init__(n)
bn = types.ModuleType("modules.bn")
bn.InPlaceABNSync = PlainABN
sys.modules["modules"], sys.modules["modules.bn"] = types.ModuleType("modules"), bn
sys.path.insert(0, root)
from models.model_stages import BiSeNet
net = BiSeNet("STDCNet813", classes).eval()
x = torch.randn(1, 3, h, w)
def main_output():
    _, _, f8, _, cp8, _ = net.cp(x)
    return F.interpolate(net.conv_out(net.ffm(f8, cp8)), (h, w), mode="bilinear", align_corners=True)
print("ready", flush=True)
for line in sys.stdin:
    with torch.no_grad():
        start = time.perf_counter()
        main_output()
        print((time.perf_counter() - start) * 1000, flush=True)
`;

/** A checkout of the authors' code named by an environment variable, checked before any case runs. */
function authorsCheckout(variable: string, file: string, repository: string): string {
  const root = process.env[variable];
  if (!root || !existsSync(join(root, file))) {
    throw new Error(`${variable} must name a checkout of github:${repository} (fetch "github:${repository}" with the search tool, then git --git-dir=<its git dir> archive HEAD | tar x -C <dir>)`);
  }
  return root;
}

/** stdc1_seg eval-mode inference, batch 1, against the authors' model: [ours, theirs] medians. */
async function measureAgainstAuthors(root: string, size: [number, number]): Promise<[number, number]> {
  const peer = await startLinePeer(STDC_PEER, [root, String(THREADS), String(CLASSES), ...size.map(String)]);
  torch.manualSeed(0);
  const model = build<Segmentor>("model", { type: "stdc1_seg", numClasses: CLASSES }).eval();
  const x = torch.randn([1, 3, ...size]);
  try {
    const r = await alternate({
      ours: { round: () => { const t = performance.now(); torch.tidy(() => void torch.inferenceMode(() => model.predict(x))); return performance.now() - t; } },
      peer: { round: async () => Number(await peer.request("run")) },
    }, { rounds: ROUNDS, warmup: WARMUP });
    return [r.oursMedian, r.peerMedian];
  } finally {
    await peer.close();
    model.dispose();
    x.dispose();
  }
}

const stdcRoot = !ONLY || ONLY.includes("stdc1_seg") ? authorsCheckout("STDC_SEG_DIR", "models/model_stages.py", "MichaelFan01/STDC-Seg") : null;
const cases = CASES.filter((c) => !ONLY || ONLY.includes(c.model));
if (cases.some((c) => c.reference === "ddrnet_reference.py")) authorsCheckout("DDRNET_DIR", "segmentation/DDRNet_23_slim.py", "ydhongHIT/DDRNet");
torch.setNumThreads(THREADS);
const result: Record<string, number> = {};
const record = (key: string, label: string, mine: number, theirs: number): void => {
  result[`${key}_ms`] = mine;
  result[`${key}_peer_ms`] = theirs;
  result[`${key}_ratio`] = mine / theirs;
  console.log(`${label}, ${THREADS} threads: segkit ${mine.toFixed(1)} ms/iter, PyTorch ${theirs.toFixed(1)} ms/iter (medians of ${ROUNDS} alternating rounds), ratio ${(mine / theirs).toFixed(3)}`);
};
for (const c of cases) {
  const key = `${c.model}_${c.mode}${c.optimized ? "_optimized" : ""}`;
  const [mine, theirs] = measure(c);
  record(key, `${c.model} ${c.mode}${c.optimized ? " (optimized)" : ""} ${c.size.join("x")} batch ${c.batch}`, mine, theirs);
}
if (stdcRoot) {
  const [mine, theirs] = await measureAgainstAuthors(stdcRoot, [360, 480]);
  record("stdc1_seg_infer", "stdc1_seg infer 360x480 batch 1 vs the authors' STDC-Seg", mine, theirs);
}
console.log(JSON.stringify({ suite: "models", threads: THREADS, ...result }));
