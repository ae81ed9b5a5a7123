// Distributed data parallel on libtorch's c10d::Reducer and SyncBatchNorm, with two segkit ranks on
// loopback (distributed-ddp-child.ts runs the checks on each; every reference is computed in the
// rank's own process: the average of the ranks' own gradients, BatchNorm2d over the whole batch,
// one process training on the whole batch). PyTorch's SyncBatchNorm is GPU-only, so plain batch
// norm over the concatenated batch is the reference for it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { freePort, launchRank, type Line } from "./distributed-ranks.js";

const DDP_RANK = [process.execPath, fileURLToPath(new URL("./distributed-ddp-child.js", import.meta.url))];
const TOLERANCE = 1e-5;

const outputs: Promise<Line[]> = (async () => {
  const port = await freePort();
  const ranks = [0, 1].map((rank) => launchRank(DDP_RANK, [], { rank, worldSize: 2, port, timeoutMs: 20_000 }));
  const exits = await Promise.all(ranks.map((r) => r.exit));
  return exits.map((exit, rank) => {
    assert.ok(exit.last, `rank ${rank} printed no result (signal ${exit.signal}): ${exit.stderr.slice(-2000)}`);
    assert.equal(exit.last.error, undefined, `rank ${rank}: ${String(exit.last.error)}`);
    return exit.last;
  });
})();

type Averaging = Record<"initial" | "broadcast" | "local" | "averaged" | "localAccumulated" | "afterNoSync" | "accumulated", number[]>;

function assertClose(actual: number[], expected: number[], what: string, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(worst <= tolerance * scale, `${what}: max difference ${worst} (scale ${scale})`);
}

const mean = (a: number[], b: number[]) => a.map((v, i) => (v + b[i]) / 2);

test("DDP: rank 0's weights reach every rank; backward averages the ranks' gradients; noSync accumulates locally", async () => {
  const [a, b] = (await outputs).map((o) => o.averaging as Averaging);
  assert.notDeepEqual(a.initial, b.initial, "the ranks should start from different weights");
  assert.deepEqual(a.broadcast, a.initial, "rank 0 keeps its weights");
  assert.deepEqual(b.broadcast, a.initial, "rank 1 holds rank 0's weights after create()");
  assert.notDeepEqual(a.local, b.local, "the ranks' own gradients differ (different samples)");
  assertClose(a.averaged, mean(a.local, b.local), "rank 0's averaged gradient");
  assert.deepEqual(b.averaged, a.averaged, "both ranks hold the same averaged gradient");
  // Inside noSync nothing is exchanged: the first half of the accumulation is each rank's own.
  assertClose(a.afterNoSync, a.local, "rank 0's gradient after a noSync backward");
  assertClose(b.afterNoSync, b.local, "rank 1's gradient after a noSync backward");
  assertClose(a.accumulated, mean(a.localAccumulated, b.localAccumulated), "the accumulated gradient, averaged");
  assert.deepEqual(b.accumulated, a.accumulated);
});

test("DDP: a parameter without gradient is named at the next backward; findUnusedParameters trains past it", async () => {
  for (const [rank, out] of (await outputs).entries()) {
    const u = out.unused as { strictError: string; extraGradsNull: boolean[]; mainGrads: number[] };
    assert.match(u.strictError, /^DistributedDataParallel: Expected to have finished reduction in the prior iteration/, `rank ${rank}`);
    assert.match(u.strictError, /extra\.weight/, `rank ${rank}: the unused parameter is named`);
    assert.match(u.strictError, /extra\.bias/, `rank ${rank}: the unused parameter is named`);
    assert.deepEqual(u.extraGradsNull, [true, true], `rank ${rank}: the unused branch has no gradient`);
    assert.ok(u.mainGrads.some((g) => g !== 0), `rank ${rank}: the used parameters have gradients`);
  }
  const [a, b] = (await outputs).map((o) => (o.unused as { mainGrads: number[] }).mainGrads);
  assert.deepEqual(b, a, "the used parameters' gradients are averaged");
});

test("DDP: ranks holding different models fail at start, naming the first parameter that differs", async () => {
  for (const [rank, out] of (await outputs).entries()) {
    assert.equal(out.mismatch, "DistributedDataParallel: the models differ across ranks: at entry 1, rank 1 has parameter 0.weight [5, 3, 3, 3] float32, rank 0 has parameter 0.weight [4, 3, 3, 3] float32", `rank ${rank}`);
  }
});

test("SyncBatchNorm (2 samples per rank) equals BatchNorm2d over the 4 samples: outputs, gradients, running statistics", async () => {
  for (const [rank, out] of (await outputs).entries()) {
    const s = out.syncBatchNorm as Record<string, number>;
    assert.equal(s.converted, 1, `rank ${rank}: convertSyncBatchNorm found the BatchNorm2d`);
    for (const key of ["output", "inputGrad", "paramGrads", "runningStats"]) {
      assert.ok(s[key] <= TOLERANCE, `rank ${rank}: ${key} differs by ${s[key]} (relative)`);
    }
  }
});

test("20 steps of 2 ranks × batch 2 (DDP, SyncBatchNorm) end with the weights of 1 process × batch 4", async () => {
  const [a, b] = (await outputs).map((o) => o.equivalence as { distributed: number[][]; difference: number; moved: number });
  assert.ok(a.moved > 100 * TOLERANCE, `training moved a parameter by only ${a.moved} (relative)`);
  assert.ok(a.difference <= TOLERANCE, `rank 0 differs from the single process by ${a.difference} (relative)`);
  assert.deepEqual(b.distributed, a.distributed, "both ranks end with the same weights");
  const seconds = (await outputs).map((o) => o.seconds as number);
  assert.ok(seconds.every((s) => s < 60), `the checks took ${seconds.join(", ")} s`);
});

test("DDP broadcastBuffers (PyTorch's broadcast_buffers): with plain BatchNorm, every beforeForward after a synchronized forward gives every rank rank 0's buffers; off, they stay each rank's own", async () => {
  type Buffers = { beforeSync: number[][][]; afterSync: number[][][]; dtypes: string[] };
  const [a, b] = (await outputs).map((o) => o.buffers as Buffers);
  const [aKept, bKept] = (await outputs).map((o) => o.buffersKept as Buffers);
  assert.deepEqual(a.dtypes, ["float32", "float32", "int64"], "running mean, running variance and the batch count (two dtypes, coalesced apart)");
  const equalAcrossRanks = (x: Buffers, y: Buffers) => x.afterSync.map((buffers, i) => JSON.stringify(buffers) === JSON.stringify(y.afterSync[i]));
  // The rank's forwards update the statistics from different samples: before each sync the ranks differ (after the first forward).
  assert.ok(a.beforeSync.slice(1).every((buffers, i) => JSON.stringify(buffers) !== JSON.stringify(b.beforeSync[i + 1])), "the ranks' own forwards give different statistics");
  // create() broadcasts once; then a sync after every synchronized forward, none after the noSync forward (the fourth).
  assert.deepEqual(equalAcrossRanks(a, b), [true, true, true, true, false, true]);
  assert.deepEqual(a.afterSync, a.beforeSync, "rank 0's buffers are the source: unchanged by the broadcasts");
  assert.deepEqual(equalAcrossRanks(aKept, bKept), [true, false, false, false, false, false], "broadcastBuffers: false leaves each rank its own");
});

test("broadcastCoalesced with buckets smaller than the tensors: every rank ends with rank 0's values, shapes kept", async () => {
  type Coalesced = { before: number[][]; after: number[][]; shapes: number[][] };
  const [a, b] = (await outputs).map((o) => o.coalesced as Coalesced);
  assert.notDeepEqual(b.before, a.before, "the ranks start from different values");
  assert.deepEqual(a.after, a.before, "rank 0 keeps its values");
  assert.deepEqual(b.after, a.before, "rank 1 holds rank 0's values");
  assert.deepEqual(b.shapes, [[3], [], [2, 5], [2]]);
});
