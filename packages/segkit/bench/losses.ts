// npm run bench -- losses: forward + backward time of cross-entropy, Dice, focal and Lovász-Softmax
// on 4×12×360×480 float32 logits (a CamVid-sized batch) for segkit and for the same computation in
// PyTorch (Debian's /usr/bin/python3), in the same run and with the same thread count. The Python
// side stays up and runs one timed step per request, so rounds alternate between the two and both
// see the same load on the shared machine. Prints the median of several rounds per loss and, last,
// a JSON line with the ratios ours/PyTorch.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/losses/index.js";
import type { Loss } from "../src/losses/index.js";

const PYTHON = "/usr/bin/python3";
const ROUNDS = 7;
const THREADS = 2;
const [N, C, H, W] = [4, 12, 360, 480];

const LOSSES: Record<string, { type: string }> = {
  "cross-entropy": { type: "cross-entropy" },
  dice: { type: "dice" },
  focal: { type: "focal" },
  "lovasz-softmax": { type: "lovasz-softmax" },
};

// The same four losses in PyTorch, step for step the same computation as ours (one-hot by scatter,
// the Lovász extension batched over classes with one sort of (C, pixels)).
const PEER = `
import json, sys, time
import torch, torch.nn.functional as F
threads, (N, C, H, W) = int(sys.argv[1]), map(int, sys.argv[2:6])
torch.set_num_threads(threads)
torch.manual_seed(0)
logits0 = torch.randn(N, C, H, W)
target = torch.randint(0, C, (N, H, W))
target[:, :8] = 255

def masked(logits, target):
    valid = target != 255
    labels = torch.where(valid, target, torch.zeros_like(target))
    return labels, valid

def ce(x, t):
    return F.cross_entropy(x, t, ignore_index=255)

def dice(x, t):
    labels, valid = masked(x, t)
    m = valid[:, None].to(x.dtype)
    g = torch.zeros_like(x).scatter_(1, labels[:, None], 1).mul_(m)
    p = torch.softmax(x, 1) * m
    tp = (p * g).sum((0, 2, 3))
    return (1 - (2 * tp + 1) / (p.sum((0, 2, 3)) + g.sum((0, 2, 3)) + 1)).mean()

def focal(x, t):
    labels, valid = masked(x, t)
    logp = F.log_softmax(x, 1).gather(1, labels[:, None])[:, 0]
    v = valid.to(x.dtype)
    return (-((1 - logp.exp()) ** 2) * logp * v).sum() / v.sum()

def lovasz(x, t):
    flat = torch.softmax(x, 1).transpose(0, 1).reshape(C, -1)
    labels = t.reshape(-1)
    keep = (labels != 255).nonzero()[:, 0]
    p, labels = flat.index_select(1, keep), labels.index_select(0, keep)
    g = F.one_hot(labels, C).t().to(x.dtype)
    errors, order = (g - p).abs().sort(1, descending=True)
    with torch.no_grad():
        gs = g.gather(1, order)
        total = gs.sum(1, keepdim=True)
        jac = 1 - (total - gs.cumsum(1)) / (total + (1 - gs).cumsum(1))
        jac = torch.cat([jac[:, :1], jac[:, 1:] - jac[:, :-1]], 1)
    per_class = (errors * jac).sum(1)
    present = (g.sum(1) > 0).to(x.dtype)
    return (per_class * present).sum() / present.sum().clamp(min=1)

steps = {"cross-entropy": ce, "dice": dice, "focal": focal, "lovasz-softmax": lovasz}
print("ready", flush=True)
for line in sys.stdin:  # one loss name per line: time one forward + backward, print milliseconds
    x = logits0.clone().requires_grad_(True)
    start = time.perf_counter()
    steps[line.strip()](x, target).backward()
    print((time.perf_counter() - start) * 1000, flush=True)
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The Python side as a function: send a loss name, get the milliseconds of one step. */
async function startPeer(): Promise<{ step(name: string): Promise<number>; close(): void }> {
  const child = spawn(PYTHON, ["-c", PEER, String(THREADS), String(N), String(C), String(H), String(W)], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error("the PyTorch peer exited early (see its stderr above)");
    return value as string;
  };
  await next(); // "ready": inputs made
  return {
    async step(name) {
      child.stdin.write(`${name}\n`);
      return Number(await next());
    },
    close: () => child.stdin.end(),
  };
}

function oursStep(loss: Loss, logits0: torch.Tensor, target: torch.Tensor): number {
  return torch.tidy(() => {
    const x = logits0.clone();
    x.requiresGrad = true;
    const start = process.hrtime.bigint();
    loss(x, target).backward();
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
}

torch.setNumThreads(THREADS);
torch.manualSeed(0);
const logits0 = torch.randn([N, C, H, W]);
const target = torch.randint(0, C, [N, H, W]);
target.narrow(1, 0, 8).fill_(255);
const peer = await startPeer();

const names = Object.keys(LOSSES);
const losses = names.map((name) => build<Loss>("loss", LOSSES[name]));
const ours: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const theirs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const [i, name] of names.entries()) {
    const oursMs = oursStep(losses[i], logits0, target);
    const peerMs = await peer.step(name);
    if (round > 0) {
      // round 0 warms both up
      ours[name].push(oursMs);
      theirs[name].push(peerMs);
    }
  }
}
peer.close();

const oursMedian = Object.fromEntries(names.map((n) => [n, median(ours[n])]));
const peerMedian = Object.fromEntries(names.map((n) => [n, median(theirs[n])]));
const ratios = Object.fromEntries(names.map((n) => [n, oursMedian[n] / peerMedian[n]]));
for (const n of names) {
  console.log(`${n}: segkit ${oursMedian[n].toFixed(1)} ms, pytorch ${peerMedian[n].toFixed(1)} ms, ratio ${ratios[n].toFixed(2)}`);
}
const total = (m: Record<string, number>): number => names.reduce((a, n) => a + m[n], 0);
console.log(`median of ${ROUNDS} alternating rounds, forward + backward, ${N}×${C}×${H}×${W} float32, ${THREADS} threads`);
console.log(JSON.stringify({ suite: "losses", ours_ms: oursMedian, peer_ms: peerMedian, ratios, ratio: total(oursMedian) / total(peerMedian) }));
