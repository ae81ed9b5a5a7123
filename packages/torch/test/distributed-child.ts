// One rank for distributed.test.ts and distributed-python.test.ts: forms the group from torchrun's
// environment variables (SEGKIT_DIST_TIMEOUT_MS sets the timeout), runs a scenario and prints one
// JSON line: its results, or {"error": message, "elapsedMs"} when a call failed.
// Usage: node distributed-child.js collectives | peer | init | lose VICTIM_RANK
import * as torch from "../src/index.js";

const { initProcessGroup } = torch.distributed;
type ProcessGroup = torch.distributed.ProcessGroup;

const scenario = process.argv[2];
const timeoutMs = Number(process.env.SEGKIT_DIST_TIMEOUT_MS ?? 10_000);
const started = Date.now();

// The collectives distributed_peer.py runs too, in the same order and with the same inputs.
async function peerCollectives(group: ProcessGroup) {
  const r = group.rank;
  const summed = torch.tensor([r + 1, 10 * (r + 1)], { dtype: "float32" });
  await group.allReduce(summed, "sum");
  const maxed = torch.tensor([r, 5 - 10 * r], { dtype: "float32" });
  await group.allReduce(maxed, "max");
  const broadcast = torch.full([3], r, { dtype: "float32" });
  await group.broadcast(broadcast, 1);
  const mine = torch.tensor([r, r * r], { dtype: "int64" });
  const gathered = await group.allGather(mine);
  await group.barrier();
  const out = { sum: summed.toArray(), max: maxed.toArray(), broadcast: broadcast.toArray(), gathered: gathered.toArray(), gatheredShape: gathered.shape };
  for (const t of [summed, maxed, broadcast, mine, gathered]) t.dispose();
  return out;
}

// How many 5 ms timer ticks fire while this rank waits in an allReduce that rank 1 joins 400 ms late.
async function ticksWhileWaiting(group: ProcessGroup): Promise<number> {
  if (group.rank === 1) await new Promise((resolve) => setTimeout(resolve, 400));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const t = torch.ones([4]);
  await group.allReduce(t);
  clearInterval(timer);
  t.dispose();
  return ticks;
}

async function collectives(group: ProcessGroup) {
  const peer = await peerCollectives(group);
  const averaged = torch.tensor([group.rank, 1], { dtype: "float64" });
  await group.allReduce(averaged, "average");
  // A large buffer, past Gloo's small-message algorithms: element i of rank r is i + r.
  const n = 1 << 20;
  const indices = torch.arange(n, { dtype: "float32" });
  const big = indices.add(group.rank);
  indices.dispose();
  await group.allReduce(big, "sum");
  const bigValues = big.toArray();
  const bigChecked = [0, 1, n - 1].map((i) => bigValues[i]);
  big.dispose();
  // Repeated collectives must not leave native tensors behind.
  const liveBefore = torch.liveTensors();
  for (let i = 0; i < 20; i++) {
    const t = torch.ones([256]);
    await group.allReduce(t);
    const g = await group.allGather(t);
    t.dispose();
    g.dispose();
  }
  const ticks = await ticksWhileWaiting(group);
  const out = { ...peer, average: averaged.toArray(), bigChecked, liveDelta: torch.liveTensors() - liveBefore, ticks };
  averaged.dispose();
  await group.destroy();
  const one = torch.ones([1]);
  const afterDestroy = await group.allReduce(one).then(() => "accepted", (e: Error) => e.message);
  one.dispose();
  return { ...out, afterDestroy };
}

async function run(): Promise<unknown> {
  const group = await initProcessGroup({ timeoutMs });
  try {
    switch (scenario) {
      case "collectives":
        return { rank: group.rank, ...(await collectives(group)) };
      case "peer":
        return { rank: group.rank, ...(await peerCollectives(group)) };
      case "init":
        return { rank: group.rank, worldSize: group.worldSize };
      case "lose": {
        // The rank named by the next argument idles until the test kills it; the others wait for
        // it in an allReduce.
        console.log(JSON.stringify({ ready: true }));
        if (group.rank === Number(process.argv[3])) await new Promise(() => setInterval(() => {}, 1000));
        const t = torch.ones([4]);
        await group.allReduce(t);
        return { unexpected: "the allReduce completed" };
      }
      default:
        throw new Error(`distributed-child: unknown scenario ${scenario}`);
    }
  } finally {
    await group.destroy();
  }
}

try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).message, elapsedMs: Date.now() - started }));
}
