// npm run bench -- losses: forward + backward time of cross-entropy, Dice, focal and Lovász-Softmax
// on 4×12×360×480 float32 logits (a CamVid-sized batch) for segkit and for the same computation in
// PyTorch (Debian's /usr/bin/python3), in the same run and with the same thread count. The Python
// side stays up; both warm up, rounds alternate, every round draws fresh logits and targets from
// its own seed on both sides (libtorch's generator, so both see the same numbers), and the two loss
// values of a round must agree. Prints medians per loss and, last, a JSON line with the ratios.
import { alternate, checkClose, report, startLinePeer, type Alternated } from "@segkit/bench";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/losses/index.js";
import type { Loss } from "../src/losses/index.js";

const ROUNDS = 7;
const THREADS = 2;
const [N, C, H, W] = [4, 12, 360, 480];

const LOSSES: Record<string, { type: string }> = {
  "cross-entropy": { type: "cross_entropy" },
  dice: { type: "dice" },
  focal: { type: "focal" },
  "lovasz-softmax": { type: "lovasz_softmax" },
};

// The same four losses in PyTorch, step for step the same computation as ours (one-hot by scatter,
// the Lovász extension batched over classes with one sort of (C, pixels)).
const PEER = `
import json, sys, time
import torch, torch.nn.functional as F
threads, (N, C, H, W) = int(sys.argv[1]), map(int, sys.argv[2:6])
torch.set_num_threads(threads)

def inputs(seed):  # the same draws as the TypeScript side
    torch.manual_seed(seed)
    logits = torch.randn(N, C, H, W)
    target = torch.randint(0, C, (N, H, W))
    target[:, :8] = 255
    return logits, target

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
for line in sys.stdin:  # "name seed": time one forward + backward, print milliseconds and the loss
    name, seed = line.split()
    x, target = inputs(int(seed))
    x.requires_grad_(True)
    start = time.perf_counter()
    loss = steps[name](x, target)
    loss.backward()
    print((time.perf_counter() - start) * 1000, loss.item(), flush=True)
`;

/** One timed forward + backward of ours on the round's draws; returns [milliseconds, loss]. */
function oursStep(loss: Loss, seed: number): [number, number] {
  return torch.tidy(() => {
    torch.manualSeed(seed);
    const x = torch.randn([N, C, H, W]);
    const target = torch.randint(0, C, [N, H, W]);
    target.narrow(1, 0, 8).fill_(255);
    x.requiresGrad = true;
    const start = process.hrtime.bigint();
    const value = loss(x, target);
    value.backward();
    return [Number(process.hrtime.bigint() - start) / 1e6, value.item()];
  });
}

torch.setNumThreads(THREADS);
const peer = await startLinePeer(["-c", PEER, String(THREADS), String(N), String(C), String(H), String(W)]);
const names = Object.keys(LOSSES);
const results: (Alternated & { name: string })[] = [];
for (const name of names) {
  const loss = build<Loss>("loss", LOSSES[name]);
  const values = { ours: new Map<number, number>(), peer: new Map<number, number>() };
  const seedOf = (round: number): number => 1000 + round;
  const r = await alternate({
    ours: { round: (i) => { const [ms, v] = oursStep(loss, seedOf(i)); values.ours.set(i, v); return ms; } },
    peer: { round: async (i) => { const [ms, v] = (await peer.request(`${name} ${seedOf(i)}`)).split(" ").map(Number); values.peer.set(i, v); return ms; } },
  }, { rounds: ROUNDS, warmup: 1 });
  const rounds = [...values.ours.keys()];
  checkClose(`${name} loss values (segkit vs PyTorch, per round)`, rounds.map((i) => values.ours.get(i)!), rounds.map((i) => values.peer.get(i)!), { rtol: 1e-4, atol: 1e-6 });
  results.push({ name, ...r });
  console.log(`${name}: segkit ${r.oursMedian.toFixed(1)} ms, pytorch ${r.peerMedian.toFixed(1)} ms, ratio ${r.ratio.toFixed(2)}`);
}
await peer.close();

const total = (pick: (r: Alternated) => number): number => results.reduce((a, r) => a + pick(r), 0);
console.log(`median of ${ROUNDS} alternating rounds, forward + backward, ${N}×${C}×${H}×${W} float32, ${THREADS} threads`);
report("losses", {
  ours_ms: Object.fromEntries(results.map((r) => [r.name, r.oursMedian])),
  peer_ms: Object.fromEntries(results.map((r) => [r.name, r.peerMedian])),
  ratios: Object.fromEntries(results.map((r) => [r.name, r.ratio])),
  ratio: total((r) => r.oursMedian) / total((r) => r.peerMedian),
}, { threads: THREADS });
