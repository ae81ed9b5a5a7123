// The addon is context-aware: it loads in worker_threads, and two workers compute at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";

const WORKER = `
  const { parentPort, workerData } = await import("node:worker_threads");
  const torch = await import(workerData.index);
  torch.manualSeed(workerData.seed);
  let acc = 0;
  for (let i = 0; i < 200; i++) {
    acc += torch.tidy(() => {
      const w = torch.randn([32, 32]);
      w.requiresGrad = true;
      const loss = torch.randn([16, 32]).matmul(w).relu().sum();
      loss.backward();
      return w.grad.abs().sum().item();
    });
  }
  parentPort.postMessage({ acc, live: torch.liveTensors() });
`;

function run(seed: number): Promise<{ acc: number; live: number }> {
  const index = new URL("../src/index.js", import.meta.url).href;
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), { workerData: { index, seed } });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

test("two workers run autograd at the same time", async () => {
  const [a, b, again] = await Promise.all([run(1), run(2), run(1)]);
  assert.ok(a.acc > 0 && b.acc > 0);
  assert.notEqual(a.acc, b.acc);
  assert.equal(a.live, 0);
  assert.equal(b.live, 0);
  // libtorch's generator is process-wide, so concurrent workers interleave its draws: only the
  // sums' magnitude is comparable, not equality of a and again.
  assert.ok(again.acc > 0);
});
