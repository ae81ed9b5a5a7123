// Two segkit ranks on loopback form a c10d group (TCPStore + ProcessGroupGloo) and run the
// collectives correctly; bad rendezvous input and lost ranks fail within the timeout with errors
// naming the operation and the ranks. Each rank is a child process (distributed-child.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { rendezvousConfig } from "../src/distributed/index.js";
import { EXPECTED_PEER_RESULTS, SEGKIT_RANK, freePort, launchRank, type Line } from "./distributed-ranks.js";


async function launchPair(scenario: string, timeoutMs: number, worldSizes = [2, 2], args: string[] = []) {
  const port = await freePort();
  return worldSizes.map((worldSize, rank) => launchRank(SEGKIT_RANK, [scenario, ...args], { rank, worldSize, port, timeoutMs }));
}

function result(exit: { last: Line | undefined; stderr: string; signal: string | null }, who: string): Line {
  assert.equal(exit.signal, null, `${who} was killed by ${exit.signal}: ${exit.stderr.slice(-2000)}`);
  assert.ok(exit.last, `${who} printed no result: ${exit.stderr.slice(-2000)}`);
  return exit.last;
}

test("two segkit ranks on loopback all-reduce (sum, max, average), broadcast and all-gather correctly; destroy() ends the group", async () => {
  const ranks = await launchPair("collectives", 10_000);
  const exits = await Promise.all(ranks.map((r) => r.exit));
  for (const [rank, exit] of exits.entries()) {
    const out = result(exit, `rank ${rank}`);
    assert.equal(out.error, undefined, `rank ${rank}: ${String(out.error)}`);
    assert.equal(out.rank, rank);
    for (const [key, expected] of Object.entries(EXPECTED_PEER_RESULTS)) assert.deepEqual(out[key], expected, `rank ${rank}: ${key}`);
    assert.deepEqual(out.average, [(0 + 1) / 2, 1], `rank ${rank}: average`);
    // 1 Mi floats: element i is (i + 0) + (i + 1) = 2i + 1.
    const n = 1 << 20;
    assert.deepEqual(out.bigChecked, [1, 3, 2 * (n - 1) + 1], `rank ${rank}: large all-reduce`);
    assert.equal(out.liveDelta, 0, `rank ${rank}: native tensors left behind by 20 rounds of collectives`);
    assert.equal(out.afterDestroy, "allReduce: the process group has been destroyed", `rank ${rank}: a collective after destroy()`);
  }
  // Rank 0 waited 400 ms in an allReduce for rank 1: its 5 ms timer kept firing meanwhile.
  assert.ok((exits[0].last!.ticks as number) >= 20, `the event loop was blocked: ${exits[0].last!.ticks} ticks in 400 ms`);
});

// The failures mostly wait (for a timeout, for the liveness window): they run side by side.
describe("bad input and lost ranks", { concurrency: true }, () => {
  test("ranks started with different world sizes fail with a clear error within the timeout", async () => {
    const timeoutMs = 2000;
    const ranks = await launchPair("init", timeoutMs, [2, 3]);
    const outs = (await Promise.all(ranks.map((r) => r.exit))).map((exit, rank) => result(exit, `rank ${rank}`));
    for (const [rank, out] of outs.entries()) {
      assert.match(String(out.error), new RegExp(`^initProcessGroup \\(rank ${rank} of ${rank === 0 ? 2 : 3}\\): `));
      assert.ok((out.elapsedMs as number) < timeoutMs + 5000, `rank ${rank} took ${out.elapsedMs} ms`);
    }
    // Whichever rank reached the store second names the mismatch.
    const mismatch = /world size mismatch: this rank was started with world size (2|3), rank (0|1) with (3|2) \(every rank needs the same WORLD_SIZE\)/;
    assert.ok(outs.some((out) => mismatch.test(String(out.error))), outs.map((out) => out.error).join("\n"));
  });

  test("rank 0 fails at once when the master port is in use", async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, resolve));
    try {
      const out = result(await launchRank(SEGKIT_RANK, ["init"], { rank: 0, worldSize: 2, port, timeoutMs: 10_000 }).exit, "rank 0");
      assert.match(String(out.error), new RegExp(`^initProcessGroup \\(rank 0 of 2\\): could not start the rendezvous store on 127\\.0\\.0\\.1:${port}: .*Address already in use`));
      assert.ok((out.elapsedMs as number) < 5000, `took ${out.elapsedMs} ms`);
    } finally {
      squatter.close();
    }
  });

  test("a rank that never comes is named within the timeout", async () => {
    const timeoutMs = 2000;
    const port = await freePort();
    // Alone, rank 0 waits for rank 1; alone on another port, rank 1 waits for rank 0's store.
    const [first, second] = await Promise.all([
      launchRank(SEGKIT_RANK, ["init"], { rank: 0, worldSize: 2, port, timeoutMs }).exit,
      launchRank(SEGKIT_RANK, ["init"], { rank: 1, worldSize: 2, port: await freePort(), timeoutMs }).exit,
    ]);
    const zero = result(first, "rank 0");
    assert.match(String(zero.error), new RegExp(`^initProcessGroup \\(rank 0 of 2\\): rank 1 did not join within 2000 ms \\(rendezvous at 127\\.0\\.0\\.1:${port}\\)`));
    const one = result(second, "rank 1");
    assert.match(String(one.error), /^initProcessGroup \(rank 1 of 2\): could not reach the rendezvous store that rank 0 hosts at 127\.0\.0\.1:\d+: /);
    for (const out of [zero, one]) assert.ok((out.elapsedMs as number) < timeoutMs + 4000, `took ${out.elapsedMs} ms`);
  });

  for (const victim of [1, 0]) {
    test(`killing rank ${victim} makes the other fail within the timeout, naming rank ${victim}`, async () => {
      const timeoutMs = 8000;
      const ranks = await launchPair("lose", timeoutMs, [2, 2], [String(victim)]);
      const ready = await Promise.all(ranks.map((r) => r.firstLine));
      assert.deepEqual(ready, [{ ready: true }, { ready: true }]);
      const killedAt = Date.now();
      ranks[victim].kill();
      const survivor = 1 - victim;
      const out = result(await ranks[survivor].exit, `rank ${survivor}`);
      const failedAfter = Date.now() - killedAt;
      assert.match(String(out.error), new RegExp(`^allReduce \\(rank ${survivor} of 2, timeout ${timeoutMs} ms\\): .*lost rank ${victim}\\b`));
      assert.ok(failedAfter < timeoutMs, `the survivor took ${failedAfter} ms to fail`);
    });
  }
});

test("the rendezvous reads torchrun's variables and names the missing or bad one", () => {
  const env = { MASTER_ADDR: "127.0.0.1", MASTER_PORT: "29500", WORLD_SIZE: "2", RANK: "1", GLOO_SOCKET_IFNAME: "lo,eth0" };
  assert.deepEqual(rendezvousConfig({}, env), {
    masterAddr: "127.0.0.1", masterPort: 29500, rank: 1, worldSize: 2, timeoutMs: 30 * 60 * 1000, interfaces: ["lo", "eth0"],
  });
  assert.equal(rendezvousConfig({ rank: 0, timeoutMs: 500 }, env).rank, 0);
  assert.throws(() => rendezvousConfig({}, { ...env, MASTER_ADDR: "" }), /^Error: initProcessGroup: MASTER_ADDR is not set \(and no masterAddr option was given\)$/);
  assert.throws(() => rendezvousConfig({}, { ...env, RANK: undefined }), /RANK is not set \(and no rank option was given\)/);
  assert.throws(() => rendezvousConfig({}, { ...env, MASTER_PORT: "abc" }), /MASTER_PORT="abc" is not an integer/);
  assert.throws(() => rendezvousConfig({}, { ...env, RANK: "2" }), /the rank must be in \[0, 2\) for world size 2, got 2 \(RANK\)/);
  assert.throws(() => rendezvousConfig({}, { ...env, WORLD_SIZE: "0" }), /the world size must be at least 1, got 0 \(WORLD_SIZE\)/);
  assert.throws(() => rendezvousConfig({ timeoutMs: 0 }, env), /timeoutMs must be an integer in \[1, 2147483647\], got 0/);
});
