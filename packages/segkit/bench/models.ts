// npm run bench -- models: milliseconds per iteration of a U-Net training step (256×256, batch 2,
// SGD with momentum) and of DeepLabV3-ResNet50 inference (512×512, batch 1; in eval mode, and after
// optimizeForInference: BatchNorm folded), for segkit and for the PyTorch peer's
// `bench` (eval mode, its default layout) in the same run, 2 threads. The two alternate round by round (one timed
// iteration each, after warm-up) so that load from other processes falls on both alike. Prints
// medians and, last, a JSON line with the ratios ours/peer.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const THREADS = 2;
const CLASSES = 12;
const ROUNDS = 5;
const WARMUP = 2;

interface Case {
  model: string;
  mode: "train" | "infer";
  size: [number, number];
  batch: number;
  optimized?: boolean;
}

const CASES: Case[] = [
  { model: "unet", mode: "train", size: [256, 256], batch: 2 },
  { model: "deeplabv3_resnet50", mode: "infer", size: [512, 512], batch: 1 },
  { model: "deeplabv3_resnet50", mode: "infer", size: [512, 512], batch: 1, optimized: true },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One timed peer iteration after its warm-up (a fresh process per round). */
function peerRound(c: Case): number {
  const out = execFileSync(PYTHON, [PEER, "bench", "--model", c.model, "--size", ...c.size.map(String), "--batch", String(c.batch),
    "--mode", c.mode, "--classes", String(CLASSES), "--iters", "1", "--warmup", String(WARMUP), "--threads", String(THREADS)],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
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

torch.setNumThreads(THREADS);
const result: Record<string, number> = {};
for (const c of CASES) {
  const key = `${c.model}_${c.mode}${c.optimized ? "_optimized" : ""}`;
  const [mine, theirs] = measure(c);
  result[`${key}_ms`] = mine;
  result[`${key}_peer_ms`] = theirs;
  result[`${key}_ratio`] = mine / theirs;
  console.log(`${c.model} ${c.mode}${c.optimized ? " (optimized)" : ""} ${c.size.join("x")} batch ${c.batch}, ${THREADS} threads: segkit ${mine.toFixed(1)} ms/iter, PyTorch ${theirs.toFixed(1)} ms/iter (medians of ${ROUNDS} alternating rounds), ratio ${(mine / theirs).toFixed(3)}`);
}
console.log(JSON.stringify({ suite: "models", threads: THREADS, ...result }));
