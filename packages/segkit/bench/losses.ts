// npm run bench -- losses: forward + backward time of cross-entropy, Dice, focal and Lovász-Softmax
// on 4×12×360×480 float32 logits (a CamVid-sized batch) for segkit and for the same computation in
// PyTorch (Debian's /usr/bin/python3), in the same run and with the same thread count. Prints the
// median of several rounds per loss and, last, a JSON line with the ratios ours/PyTorch.
import { execFileSync } from "node:child_process";
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

// The same four losses in PyTorch, written the way a PyTorch user would (the Lovász extension
// batched over classes like ours, one sort of (C, pixels)).
const PEER = `
import json, sys, time
import torch, torch.nn.functional as F
rounds, threads, (N, C, H, W) = int(sys.argv[1]), int(sys.argv[2]), map(int, sys.argv[3:7])
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
    g = F.one_hot(labels, C).permute(0, 3, 1, 2).to(x.dtype) * m
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

out = {}
for name, fn in [("cross-entropy", ce), ("dice", dice), ("focal", focal), ("lovasz-softmax", lovasz)]:
    times = []
    for r in range(rounds + 1):
        x = logits0.clone().requires_grad_(True)
        start = time.perf_counter()
        fn(x, target).backward()
        times.append((time.perf_counter() - start) * 1000)
    out[name] = times[1:]
print(json.dumps(out))
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function oursMs(loss: Loss, logits0: torch.Tensor, target: torch.Tensor): number[] {
  const times: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    torch.tidy(() => {
      const x = logits0.clone();
      x.requiresGrad = true;
      const start = process.hrtime.bigint();
      loss(x, target).backward();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return times.slice(1); // the first round warms up
}

torch.setNumThreads(THREADS);
torch.manualSeed(0);
const logits0 = torch.randn([N, C, H, W]);
const target = torch.randint(0, C, [N, H, W]);
target.narrow(1, 0, 8).fill_(255);

const ours: Record<string, number> = {};
for (const [name, config] of Object.entries(LOSSES)) {
  ours[name] = median(oursMs(build<Loss>("loss", config), logits0, target));
}
const peerOut = execFileSync(PYTHON, ["-c", PEER, String(ROUNDS), String(THREADS), String(N), String(C), String(H), String(W)], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const peerTimes = JSON.parse(peerOut.trim().split("\n").pop()!) as Record<string, number[]>;

const ratios: Record<string, number> = {};
let oursTotal = 0;
let peerTotal = 0;
for (const name of Object.keys(LOSSES)) {
  const peer = median(peerTimes[name]);
  ratios[name] = ours[name] / peer;
  oursTotal += ours[name];
  peerTotal += peer;
  console.log(`${name}: segkit ${ours[name].toFixed(1)} ms, pytorch ${peer.toFixed(1)} ms, ratio ${ratios[name].toFixed(2)}`);
}
console.log(`median of ${ROUNDS} rounds, forward + backward, ${N}×${C}×${H}×${W} float32, ${THREADS} threads`);
console.log(
  JSON.stringify({
    suite: "losses",
    ours_ms: ours,
    peer_ms: Object.fromEntries(Object.keys(LOSSES).map((n) => [n, median(peerTimes[n])])),
    ratios,
    ratio: oursTotal / peerTotal,
  }),
);
