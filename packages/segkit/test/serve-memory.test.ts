// Serving holds no memory per request: after a warm-up, a few hundred more uploads over loopback
// HTTP (4 clients, format=json and format=overlay) leave the main thread's heap and external bytes
// where they were after a full GC, and the worker's too (a heap snapshot of the worker forces its
// full GC), and the worker's native tensors at their count. Without the GCs, heapUsed and external
// rise for thousands of requests as garbage waits for V8's next full collection, which is why these
// figures are taken after one. A request that kept its decoded upload (a 64×48 PNG: 9 KB) would add
// about 1.8 MB here; the allowance is 1 MB.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Worker } from "node:worker_threads";
import type { ModelHost } from "../src/serve/model-host.js";
import { buildServer } from "../src/serve/server.js";
import { randomPng, startHost, tinyModel } from "./serve-fixture.js";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const files = tinyModel();
after(() => rmSync(files.dir, { recursive: true, force: true }));

const [WIDTH, HEIGHT] = [64, 48];
const WARMUP = 50;
const MEASURED = 200;
const CLIENTS = 4;
const ALLOWANCE = 1 << 20;

/** The worker thread of a one-worker host (private to ModelHost: reached here only to force its GC). */
function workerOf(host: ModelHost): Worker {
  return (host as unknown as { slots: { worker: Worker }[] }).slots[0].worker;
}

test(`${MEASURED} requests after a warm-up leave the heaps, external bytes and native tensors of the server and its worker where they were`, async (t) => {
  const host = await startHost("memory", files, { queued: 16 });
  const app = await buildServer({ hosts: [host], bodyLimit: 1 << 20, maxPixels: 1 << 20 });
  try {
    const url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/v1/segment`;
    const images = await Promise.all([1, 2, 3].map((seed) => randomPng(WIDTH, HEIGHT, seed)));
    let sent = 0;
    const requests = async (count: number) => {
      const end = sent + count;
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (sent < end) {
          const i = sent++;
          const response = await fetch(`${url}?format=${i % 2 === 0 ? "json" : "overlay"}`, { method: "POST", headers: { "content-type": "image/png" }, body: images[i % images.length] });
          const body = Buffer.from(await response.arrayBuffer());
          assert.equal(response.status, 200, body.toString());
        }
      }));
    };
    // After full GCs in both threads (the worker's held figures come with its next reply).
    const settled = async () => {
      collectGarbage();
      const { heapUsed, external } = process.memoryUsage();
      for await (const chunk of await workerOf(host).getHeapSnapshot()) void chunk;
      const reply = await fetch(url, { method: "POST", headers: { "content-type": "image/png" }, body: images[0] });
      assert.equal(reply.status, 200);
      await reply.arrayBuffer();
      return { heapUsed, external, worker: host.workerHolding };
    };

    await requests(WARMUP);
    const before = await settled();
    await requests(MEASURED);
    const later = await settled();
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;
    t.diagnostic(`main heap ${mb(before.heapUsed)} → ${mb(later.heapUsed)}, external ${mb(before.external)} → ${mb(later.external)}; ` +
      `worker heap ${mb(before.worker.heapUsed)} → ${mb(later.worker.heapUsed)}, external ${mb(before.worker.external)} → ${mb(later.worker.external)}`);
    assert.ok(later.heapUsed - before.heapUsed < ALLOWANCE, `the main thread's heap grew by ${mb(later.heapUsed - before.heapUsed)}`);
    assert.ok(later.external - before.external < ALLOWANCE, `the main thread's external bytes grew by ${mb(later.external - before.external)}`);
    assert.ok(later.worker.heapUsed - before.worker.heapUsed < ALLOWANCE, `the worker's heap grew by ${mb(later.worker.heapUsed - before.worker.heapUsed)}`);
    assert.ok(later.worker.external - before.worker.external < ALLOWANCE, `the worker's external bytes grew by ${mb(later.worker.external - before.worker.external)}`);
    assert.ok(later.worker.liveTensors > 0, "the worker counts its model's weights");
    assert.equal(later.worker.liveTensors, before.worker.liveTensors, "the worker holds as many native tensors as after the warm-up");
  } finally {
    await app.close();
  }
});
