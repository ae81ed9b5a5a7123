import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { alternate, checkClose, machine, mappedLibraries, median, peerEnv, startLinePeer } from "../src/index.js";

test("median: odd and even counts, input left unsorted, empty list refused", () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
});

test("alternate: both sides warm up before any timed round, the first side swaps each round", async () => {
  const calls: string[] = [];
  const result = await alternate({
    ours: { round: (i) => (calls.push(`ours${i}`), 2) },
    peer: { round: (i) => (calls.push(`peer${i}`), 4) },
  }, { rounds: 3, warmup: 1 });
  assert.deepEqual(calls, ["ours-1", "peer-1", "ours0", "peer0", "peer1", "ours1", "ours2", "peer2"]);
  assert.deepEqual(result.ours, [2, 2, 2]);
  assert.equal(result.ratio, 0.5);
  await assert.rejects(alternate({ ours: { round: () => 1 }, peer: { round: () => 1 } }, { rounds: 1, warmup: 0 }), /warm-up/);
});

test("checkClose: passes within tolerance, names the first worst value otherwise, NaN fails", () => {
  checkClose("x", [1, 2.0001], [1, 2], { rtol: 1e-4, atol: 0 });
  assert.throws(() => checkClose("logits", [1, 2.1], [1, 2], { rtol: 1e-4, atol: 0 }), /logits: value 1 is 2.1, expected 2/);
  assert.throws(() => checkClose("y", [NaN], [0], { rtol: 1, atol: 1 }), /value 0 is NaN/);
  assert.throws(() => checkClose("z", [1], [1, 2], { rtol: 1, atol: 1 }), /1 values, expected 2/);
});

test("machine facts: processor, vector flags and the libraries a maps text names", () => {
  const maps = [
    "7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
    "7f01-7f02 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13",
    "7f02-7f03 r-xp 00000000 08:01 3 /usr/lib/x86_64-linux-gnu/libc.so.6",
    "7f03-7f04 rw-p 00000000 00:00 0 ",
  ].join("\n");
  assert.deepEqual(mappedLibraries(maps), ["/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"]);
  const m = machine();
  assert.ok(m.cpu.length > 0 && m.cores >= 1);
  assert.equal(typeof m.avx2, "boolean");
});

test("peerEnv: SEGKIT_BENCH_PEER_PRELOAD preloads a library into Python peers only; a missing file is named", async () => {
  const saved = process.env.SEGKIT_BENCH_PEER_PRELOAD;
  try {
    delete process.env.SEGKIT_BENCH_PEER_PRELOAD;
    assert.equal(peerEnv({ A: "1" }).LD_PRELOAD, undefined);
    process.env.SEGKIT_BENCH_PEER_PRELOAD = "/nonexistent/libjemalloc.so.2";
    assert.throws(() => peerEnv(), /SEGKIT_BENCH_PEER_PRELOAD names \/nonexistent\/libjemalloc\.so\.2/);
    // any shared library shows the mechanism (this process's libc: preloading it changes nothing)
    const library = /\/\S*\/libc\.so\.6/.exec(readFileSync("/proc/self/maps", "utf8"))![0];
    process.env.SEGKIT_BENCH_PEER_PRELOAD = library;
    assert.equal(peerEnv({ A: "1" }).LD_PRELOAD, library);
    const env = (command?: string) => command === undefined
      ? startLinePeer(["-c", 'import os; print("ready", flush=True); input(); print(os.environ.get("LD_PRELOAD"), flush=True)'])
      : startLinePeer(["-e", 'console.log("ready"); process.stdin.once("data", () => { console.log(String(process.env.LD_PRELOAD)); process.exit(0); });'], process.env, command);
    const python = await env();
    assert.equal(await python.request("go"), library);
    await python.close();
    const node = await env(process.execPath);
    assert.equal(await node.request("go"), "undefined");
    await node.close();
  } finally {
    if (saved === undefined) delete process.env.SEGKIT_BENCH_PEER_PRELOAD;
    else process.env.SEGKIT_BENCH_PEER_PRELOAD = saved;
  }
});
