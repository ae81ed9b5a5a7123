// Interoperability, the proof that segkit's group is PyTorch's own engine: a segkit rank and a
// Python rank (torch.distributed with backend gloo and init_method env://, Debian's python3-torch
// 1.13, distributed_peer.py) form one group and run the same collectives, either rank hosting the
// rendezvous store. Each side's results include the other's contribution.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPECTED_PEER_RESULTS, PYTHON_RANK, SEGKIT_RANK, freePort, launchRank } from "./distributed-ranks.js";


for (const pythonRank of [0, 1]) {
  test(`a Python rank ${pythonRank} and a segkit rank ${1 - pythonRank} form one group and all-reduce, broadcast and all-gather correctly`, async () => {
    const port = await freePort();
    const timeoutMs = 20_000;
    const launched = [0, 1].map((rank) =>
      launchRank(rank === pythonRank ? PYTHON_RANK : SEGKIT_RANK, rank === pythonRank ? [] : ["peer"], { rank, worldSize: 2, port, timeoutMs }));
    const exits = await Promise.all(launched.map((r) => r.exit));
    for (const [rank, exit] of exits.entries()) {
      const who = `${rank === pythonRank ? "Python" : "segkit"} rank ${rank}`;
      assert.equal(exit.code, 0, `${who} exited with ${exit.code ?? exit.signal}: ${exit.stderr.slice(-2000)}`);
      assert.ok(exit.last, `${who} printed no result: ${exit.stderr.slice(-2000)}`);
      assert.equal(exit.last.error, undefined, `${who}: ${String(exit.last.error)}`);
      assert.deepEqual(exit.last, { rank, ...EXPECTED_PEER_RESULTS }, who);
    }
  });
}
