// npm run bench -- dist: all-reduce bandwidth between 2 ranks on loopback, segkit's c10d group vs
// PyTorch's torch.distributed (Gloo) in the same run. Each side is a pair of processes (this file
// with --rank for segkit; Debian's python3-torch for PyTorch) that stay up for the whole run; rounds
// alternate between the sides, each round runs a number of float32 sum all-reduces of one size after
// a barrier and checks the result (a buffer of ones doubles with every all-reduce). Figures are
// algorithm bandwidth: buffer bytes × all-reduces / seconds, as rank 0 measures it.
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { alternate, report, startLinePeer, type LinePeer } from "@segkit/bench";
import * as torch from "../src/index.js";

const THREADS = 1;
const ROUNDS = 5;
const SIZES_MB = [1, 10, 100];
// All-reduces per round: enough to time, few enough that 2^n stays exact in float32.
const ALL_REDUCES: Record<number, number> = { 1: 20, 10: 8, 100: 3 };

torch.setNumThreads(THREADS);

// One segkit rank: answers "<elements> <allReduces>" with "<milliseconds> <first element>".
async function serveRank(): Promise<void> {
  const group = await torch.distributed.initProcessGroup();
  const buffers = new Map<number, torch.Tensor>();
  console.log("ready");
  for await (const line of createInterface({ input: process.stdin })) {
    const [elements, count] = line.split(" ").map(Number);
    if (!buffers.has(elements)) buffers.set(elements, torch.ones([elements]));
    const buffer = buffers.get(elements)!;
    buffer.fill_(1);
    await group.barrier();
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await group.allReduce(buffer, "sum");
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`${ms} ${torch.tidy(() => buffer.select(0, 0).item())}`);
  }
  for (const b of buffers.values()) b.dispose();
  await group.destroy();
}

const PYTHON_RANK = `
import sys, time, torch, torch.distributed as dist
torch.set_num_threads(${THREADS})
dist.init_process_group("gloo", init_method="env://")
buffers = {}
print("ready", flush=True)
for line in sys.stdin:
    elements, count = map(int, line.split())
    buffer = buffers.setdefault(elements, torch.ones(elements))
    buffer.fill_(1)
    dist.barrier()
    start = time.perf_counter()
    for _ in range(count):
        dist.all_reduce(buffer)
    print((time.perf_counter() - start) * 1000, buffer[0].item(), flush=True)
dist.destroy_process_group()
`;

async function startPair(start: (env: NodeJS.ProcessEnv) => Promise<LinePeer>): Promise<LinePeer[]> {
  const port = await torch.distributed.freePort();
  return Promise.all([0, 1].map((rank) => start({
    ...process.env, MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port), WORLD_SIZE: "2", RANK: String(rank), GLOO_SOCKET_IFNAME: "lo",
  })));
}

// One timed round on a pair: milliseconds rank 0 measured; the result checked on both ranks.
async function timeRound(pair: LinePeer[], side: string, megabytes: number): Promise<number> {
  const elements = (megabytes << 20) / 4;
  const count = ALL_REDUCES[megabytes];
  const answers = await Promise.all(pair.map((rank) => rank.request(`${elements} ${count}`)));
  const [ms] = answers.map((answer, rank) => {
    const [time, first] = answer.split(" ").map(Number);
    if (first !== 2 ** count) throw new Error(`dist: ${side} rank ${rank} ended with ${first} after ${count} all-reduces, expected ${2 ** count}`);
    return time;
  });
  return ms;
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const ours = await startPair((env) => startLinePeer([self, "--rank"], env, process.execPath));
  const peer = await startPair((env) => startLinePeer(["-c", PYTHON_RANK], env));
  const figures: Record<string, unknown> = {};
  for (const megabytes of SIZES_MB) {
    const r = await alternate(
      { ours: { round: () => timeRound(ours, "segkit", megabytes) }, peer: { round: () => timeRound(peer, "pytorch", megabytes) } },
      { rounds: ROUNDS, warmup: 1 },
    );
    const gbps = (ms: number) => ((megabytes / 1024) * ALL_REDUCES[megabytes]) / (ms / 1000);
    console.log(`${megabytes} MB: segkit ${gbps(r.oursMedian).toFixed(2)} GB/s, pytorch ${gbps(r.peerMedian).toFixed(2)} GB/s ` +
      `(median of ${ROUNDS} alternating rounds of ${ALL_REDUCES[megabytes]} all-reduces; time ratio ${r.ratio.toFixed(3)})`);
    figures[`mb${megabytes}`] = { ours_gbps: gbps(r.oursMedian), peer_gbps: gbps(r.peerMedian), ratio: r.ratio };
  }
  await Promise.all([...ours, ...peer].map((rank) => rank.close()));
  report("dist", { ...figures, torch: torch.torchVersion }, { threads: THREADS });
}

if (process.argv[2] === "--rank") await serveRank();
else await main();
