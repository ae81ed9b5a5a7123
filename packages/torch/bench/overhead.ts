// npm run bench -- overhead: microseconds per small operator call (x = x + 1 on a 1-element
// tensor, 1 thread) for segkit and for PyTorch's Python. Both warm up, rounds alternate, each round
// starts from a fresh value and checks the result of its chain of additions.
import { alternate, report, runPeer } from "@segkit/bench";
import * as torch from "../src/index.js";

const ROUNDS = 7;
const CALLS = 20_000;
const THREADS = 1;

torch.setNumThreads(THREADS);

function oursRound(round: number): number {
  const start0 = round + 0.5; // a fresh input each round
  let x = torch.tensor([start0]);
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const y = x.add(1);
    x.dispose();
    x = y;
  }
  const us = Number(process.hrtime.bigint() - start) / CALLS / 1000;
  const value = x.item();
  x.dispose();
  if (value !== start0 + CALLS) throw new Error(`overhead: the chain ended at ${value}, expected ${start0 + CALLS}`);
  return us;
}

// The peer warms up with 1,000 calls inside its process and checks nothing itself; it runs
// `x = x + 1` on a 1-element float tensor, the same call.
const peerRound = (): number => runPeer(["overhead", "--threads", String(THREADS), "--calls", String(CALLS)]).us_per_call as number;

const r = await alternate({ ours: { round: oursRound }, peer: { round: peerRound } }, { rounds: ROUNDS, warmup: 1 });
r.ours.forEach((us, i) => console.log(`round ${i + 1}: segkit ${us.toFixed(3)} us, pytorch ${r.peer[i].toFixed(3)} us`));
console.log(`median over ${ROUNDS} alternating rounds of ${CALLS} calls: segkit ${r.oursMedian.toFixed(3)} us, pytorch ${r.peerMedian.toFixed(3)} us`);
report("overhead", { ours_us: r.oursMedian, peer_us: r.peerMedian, ratio: r.ratio, torch: torch.torchVersion }, { threads: THREADS });
