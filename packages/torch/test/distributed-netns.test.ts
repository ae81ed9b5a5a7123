// Two hosts: rank 0 and rank 1 in two network namespaces joined by a veth pair (10.231.7.1 and .2,
// made here and removed afterwards), each rank seeing only its own veth and loopback, run the
// data-parallel checks of distributed-ddp-child.ts together (DDP averaging, SyncBatchNorm, 20
// training steps equal to one process). Skipped only where `ip netns add` is not permitted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./distributed-ddp-child.js", import.meta.url));
const NAMESPACES = [`segkit-${process.pid}-a`, `segkit-${process.pid}-b`];
const DEVICES = ["skvetha", "skvethb"];
const ADDRESSES = ["10.231.7.1", "10.231.7.2"];

function ip(...args: string[]): void {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ip ${args.join(" ")}: ${run.stderr.trim() || run.error?.message}`);
}

const probe = spawnSync("ip", ["netns", "add", NAMESPACES[0]], { encoding: "utf8" });
const notPermitted = probe.status === 0 ? null : `ip netns add is not permitted here: ${(probe.stderr || probe.error?.message || "").trim()}`;
if (notPermitted !== null) console.log(`# ${notPermitted}`);

test("ranks in two network namespaces joined by a veth pair train together", { skip: notPermitted ?? false }, async () => {
  try {
    ip("netns", "add", NAMESPACES[1]);
    ip("link", "add", DEVICES[0], "netns", NAMESPACES[0], "type", "veth", "peer", "name", DEVICES[1], "netns", NAMESPACES[1]);
    for (const k of [0, 1]) {
      ip("-n", NAMESPACES[k], "addr", "add", `${ADDRESSES[k]}/24`, "dev", DEVICES[k]);
      ip("-n", NAMESPACES[k], "link", "set", DEVICES[k], "up");
      ip("-n", NAMESPACES[k], "link", "set", "lo", "up");
    }
    const outputs = await Promise.all([0, 1].map((rank) => new Promise<Record<string, unknown>>((resolve, reject) => {
      const child = spawn("ip", ["netns", "exec", NAMESPACES[rank], process.execPath, CHILD], {
        env: { ...process.env, MASTER_ADDR: ADDRESSES[0], MASTER_PORT: "29517", WORLD_SIZE: "2", RANK: String(rank), GLOO_SOCKET_IFNAME: DEVICES[rank], SEGKIT_DIST_TIMEOUT_MS: "20000" },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 90_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("close", () => {
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (line === undefined) reject(new Error(`rank ${rank} printed no result: ${stderr.slice(-2000)}`));
        else resolve(JSON.parse(line) as Record<string, unknown>);
      });
    })));
    for (const [rank, out] of outputs.entries()) {
      assert.equal(out.error, undefined, `rank ${rank}: ${String(out.error)}`);
      const sync = out.syncBatchNorm as Record<string, number>;
      for (const key of ["output", "inputGrad", "paramGrads", "runningStats"]) assert.ok(sync[key] <= 1e-5, `rank ${rank}: SyncBatchNorm ${key} differs by ${sync[key]}`);
    }
    const [a, b] = outputs.map((o) => o.equivalence as { distributed: number[][]; difference: number });
    assert.ok(a.difference <= 1e-5, `the two hosts' training differs from one process by ${a.difference}`);
    assert.deepEqual(b.distributed, a.distributed, "both hosts end with the same weights");
  } finally {
    for (const ns of NAMESPACES) spawnSync("ip", ["netns", "delete", ns]);
  }
});
