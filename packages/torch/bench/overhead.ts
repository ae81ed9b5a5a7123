// npm run bench -- overhead: microseconds per small operator call (x = x + 1 on a 1-element
// tensor, 1 thread) for segkit and for PyTorch's Python, alternating rounds so both see the same noise.
import * as torch from "../src/index.js";
import { median, runPeer } from "./peer.js";

const ROUNDS = 7;
const CALLS = 20_000;

torch.setNumThreads(1);
let x = torch.ones([1]);
function step(n: number): void {
  for (let i = 0; i < n; i++) {
    const y = x.add(1);
    x.dispose();
    x = y;
  }
}
step(5_000);

const ours: number[] = [];
const peer: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const start = process.hrtime.bigint();
  step(CALLS);
  ours.push(Number(process.hrtime.bigint() - start) / CALLS / 1000);
  peer.push(runPeer(["overhead", "--threads", "1", "--calls", String(CALLS)]).us_per_call as number);
  console.log(`round ${round + 1}: segkit ${ours[round].toFixed(3)} us, pytorch ${peer[round].toFixed(3)} us`);
}
const oursUs = median(ours);
const peerUs = median(peer);
console.log(`median over ${ROUNDS} rounds of ${CALLS} calls: segkit ${oursUs.toFixed(3)} us, pytorch ${peerUs.toFixed(3)} us`);
console.log(JSON.stringify({ suite: "overhead", ours_us: oursUs, peer_us: peerUs, ratio: oursUs / peerUs }));
