// npm run bench -- dist: segkit's c10d engine against PyTorch's torch.distributed (Gloo, Debian's
// python3-torch, bench/dist_peer.py) in the same run, every process staying up for the whole run
// and answering one request line per timed round:
// - all-reduce bandwidth between 2 ranks on loopback: each round runs a number of float32 sum
//   all-reduces of one size after a barrier and checks the result (a buffer of ones doubles with
//   every all-reduce); figures are algorithm bandwidth, buffer bytes × all-reduces / seconds, as
//   rank 0 measures it;
// - scaling efficiency: images per second of the unet bench model (the yardstick's U-Net, as in
//   `bench -- models`: SGD with momentum and weight decay, global batch 2) training as 1 process with
//   2 threads and as 2 ranks with 1 thread each (batch 1 each; ours DistributedDataParallel, theirs
//   torch's DistributedDataParallel, both with their defaults: buffers broadcast, 25 MB buckets);
//   efficiency = 2 ranks' images/s ÷ 1 process's. The four set-ups take turns each round, in an
//   order that reverses every round.
// Options: --rounds N (default 5), --size S (training images S×S, default 256), --steps N (training
// steps per round, default 2), --peer FILE (the yardstick pytorch_peer.py). Prints a JSON line last.
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { alternate, median, PEER, report, startLinePeer, type LinePeer } from "@segkit/bench";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import type { Segmentor } from "../src/models/index.js";

const { values: args } = parseArgs({
  options: {
    rank: { type: "boolean" }, train: { type: "string" },
    rounds: { type: "string", default: "5" }, size: { type: "string", default: "256" }, steps: { type: "string", default: "2" }, peer: { type: "string", default: PEER },
  },
});
function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`dist: --${flag} must be a positive integer, got "${text}"`);
  return n;
}
const ROUNDS = positive("rounds", args.rounds);
const SIZE = positive("size", args.size);
const STEPS = positive("steps", args.steps);
const PEER_SCRIPT = fileURLToPath(new URL("../../bench/dist_peer.py", import.meta.url));

const ALL_REDUCE_THREADS = 1;
const SIZES_MB = [1, 10, 100];
// All-reduces per round: enough to time, few enough that 2^n stays exact in float32.
const ALL_REDUCES: Record<number, number> = { 1: 20, 10: 8, 100: 3 };
const CORES = 2;
const GLOBAL_BATCH = 2;
const CLASSES = 12;

// One segkit all-reduce rank: answers "<elements> <allReduces>" with "<milliseconds> <first element>".
async function serveAllReduceRank(): Promise<void> {
  torch.setNumThreads(ALL_REDUCE_THREADS);
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

// One segkit trainer with `threads` threads (a rank of DistributedDataParallel when WORLD_SIZE is
// set): answers "<steps>" with "<milliseconds> <last loss>", the same step as the yardstick's.
async function serveTrainer(threads: number): Promise<void> {
  torch.setNumThreads(threads);
  const group = process.env.WORLD_SIZE === undefined ? null : await torch.distributed.initProcessGroup();
  const batch = GLOBAL_BATCH / (group?.worldSize ?? 1);
  torch.manualSeed(group?.rank ?? 0);
  const model = build<Segmentor>("model", { type: "unet", numClasses: CLASSES });
  model.train();
  const ddp = group === null ? null : await torch.distributed.DistributedDataParallel.create(model, group);
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const x = torch.randn([batch, 3, SIZE, SIZE]);
  const y = torch.randint(0, CLASSES, [batch, SIZE, SIZE]);
  const step = async (): Promise<number> => {
    optimizer.zeroGrad({ setToNone: true });
    await ddp?.beforeForward();
    const loss = torch.tidy(() => model.forwardTrain(x, y).loss);
    try {
      if (ddp === null) loss.backward();
      else await ddp.backward(loss);
      optimizer.step();
      return loss.item();
    } finally {
      loss.dispose();
    }
  };
  console.log("ready");
  for await (const line of createInterface({ input: process.stdin })) {
    await group?.barrier();
    const start = process.hrtime.bigint();
    let loss = NaN;
    for (let i = 0; i < Number(line); i++) loss = await step();
    console.log(`${Number(process.hrtime.bigint() - start) / 1e6} ${loss}`);
  }
  ddp?.destroy();
  for (const t of [x, y]) t.dispose();
  optimizer.dispose();
  model.dispose();
  await group?.destroy();
}

async function startRanks(start: (env: NodeJS.ProcessEnv) => Promise<LinePeer>): Promise<LinePeer[]> {
  const port = await torch.distributed.freePort();
  return Promise.all([0, 1].map((rank) => start({
    ...process.env, MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port), WORLD_SIZE: "2", RANK: String(rank), GLOO_SOCKET_IFNAME: "lo",
  })));
}

// One timed all-reduce round on a pair: milliseconds rank 0 measured; the result checked on both ranks.
async function allReduceRound(pair: LinePeer[], side: string, megabytes: number): Promise<number> {
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

async function allReduceFigures(): Promise<Record<string, unknown>> {
  const self = fileURLToPath(import.meta.url);
  const ours = await startRanks((env) => startLinePeer([self, "--rank"], env, process.execPath));
  const peer = await startRanks((env) => startLinePeer([PEER_SCRIPT, "allreduce", "--threads", String(ALL_REDUCE_THREADS)], env));
  const figures: Record<string, unknown> = {};
  for (const megabytes of SIZES_MB) {
    const r = await alternate(
      { ours: { round: () => allReduceRound(ours, "segkit", megabytes) }, peer: { round: () => allReduceRound(peer, "pytorch", megabytes) } },
      { rounds: ROUNDS, warmup: 1 },
    );
    const gbps = (ms: number) => ((megabytes / 1024) * ALL_REDUCES[megabytes]) / (ms / 1000);
    console.log(`${megabytes} MB: segkit ${gbps(r.oursMedian).toFixed(2)} GB/s, pytorch ${gbps(r.peerMedian).toFixed(2)} GB/s ` +
      `(median of ${ROUNDS} alternating rounds of ${ALL_REDUCES[megabytes]} all-reduces; time ratio ${r.ratio.toFixed(3)})`);
    figures[`mb${megabytes}`] = { ours_gbps: gbps(r.oursMedian), peer_gbps: gbps(r.peerMedian), ratio: r.ratio };
  }
  await Promise.all([...ours, ...peer].map((rank) => rank.close()));
  return figures;
}

// A training set-up: its processes (rank 0 first) and a round that times STEPS steps on all of them.
interface SetUp { name: string; processes: LinePeer[] }

async function trainRound(s: SetUp): Promise<number> {
  const answers = await Promise.all(s.processes.map((p) => p.request(String(STEPS))));
  const [ms, loss] = answers[0].split(" ").map(Number);
  if (!Number.isFinite(loss)) throw new Error(`dist: ${s.name} ended with loss ${loss}`);
  return (GLOBAL_BATCH * STEPS) / (ms / 1000);
}

async function scalingFigures(): Promise<Record<string, unknown>> {
  const self = fileURLToPath(import.meta.url);
  const ourTrainer = (threads: number) => (env: NodeJS.ProcessEnv) =>
    startLinePeer([self, "--train", String(threads), "--size", String(SIZE)], env, process.execPath);
  const peerTrainer = (threads: number) => (env: NodeJS.ProcessEnv) =>
    startLinePeer([PEER_SCRIPT, "train", "--threads", String(threads), "--size", String(SIZE), "--batch", String(GLOBAL_BATCH / (env.WORLD_SIZE ? 2 : 1)), "--classes", String(CLASSES), "--peer", args.peer], env);
  const alone = (start: (env: NodeJS.ProcessEnv) => Promise<LinePeer>) => start(process.env).then((p) => [p]);
  const setUps: SetUp[] = [
    { name: "segkit 1×2", processes: await alone(ourTrainer(CORES)) },
    { name: "segkit 2×1", processes: await startRanks(ourTrainer(1)) },
    { name: "pytorch 1×2", processes: await alone(peerTrainer(CORES)) },
    { name: "pytorch 2×1", processes: await startRanks(peerTrainer(1)) },
  ];
  for (const s of setUps) await trainRound(s);  // warm-up
  const imagesPerSecond = new Map(setUps.map((s) => [s.name, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? setUps : [...setUps].reverse()) imagesPerSecond.get(s.name)!.push(await trainRound(s));
  }
  await Promise.all(setUps.flatMap((s) => s.processes).map((p) => p.close()));
  const [ours1, ours2, peer1, peer2] = setUps.map((s) => median(imagesPerSecond.get(s.name)!));
  console.log(`unet training ${SIZE}×${SIZE}, global batch ${GLOBAL_BATCH}, images/s (median of ${ROUNDS} rounds of ${STEPS} steps): ` +
    `segkit 1×${CORES} threads ${ours1.toFixed(3)}, 2 ranks × 1 ${ours2.toFixed(3)} (efficiency ${(ours2 / ours1).toFixed(3)}); ` +
    `pytorch 1×${CORES} ${peer1.toFixed(3)}, 2 ranks × 1 ${peer2.toFixed(3)} (efficiency ${(peer2 / peer1).toFixed(3)})`);
  return {
    scaling: {
      size: SIZE, global_batch: GLOBAL_BATCH, steps_per_round: STEPS, rounds: ROUNDS,
      ours_single_ips: ours1, ours_ddp_ips: ours2, ours_efficiency: ours2 / ours1,
      peer_single_ips: peer1, peer_ddp_ips: peer2, peer_efficiency: peer2 / peer1,
      ddp_ratio: ours2 / peer2,
    },
  };
}

if (args.rank) await serveAllReduceRank();
else if (args.train !== undefined) await serveTrainer(positive("train", args.train));
else report("dist", { ...(await allReduceFigures()), ...(await scalingFigures()), torch: torch.torchVersion }, { threads: ALL_REDUCE_THREADS });
