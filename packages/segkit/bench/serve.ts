// npm run bench -- serve [--duration S] [--requests N] [--connections 1,4,16]: `segkit serve` under
// load on loopback with autocannon. A U-Net (demo_synthetic's, random weights) in one worker thread
// segments a 96×96 PNG; for each number of concurrent clients: requests/s and p50/p99 latency, and
// the ratio of the HTTP throughput to the same worker's throughput without HTTP (ModelHost.segment
// called in-process, one at a time: the model's own speed). No 5xx but backpressure 503s is
// allowed. After the levels, N more requests: RSS growth past warm-up (≤ 5% asked) and the worker's
// live native tensors against their count after warm-up (must be equal). Last line: JSON.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import sharp from "sharp";
import { report } from "@segkit/bench";
import { build } from "../src/config/registry.js";
import { loadRunConfig } from "../src/engine/load.js";
import { saveCheckpoint } from "../src/engine/checkpoint.js";
import { SyntheticDataset } from "../src/data/datasets/synthetic.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { ModelHost } from "../src/serve/model-host.js";
import { buildServer } from "../src/serve/server.js";

const { values: args } = parseArgs({
  options: { duration: { type: "string", default: "10" }, requests: { type: "string", default: "10000" }, connections: { type: "string", default: "1,4,16" } },
});
const DURATION = Number(args.duration);
const REQUESTS = Number(args.requests);
const CONNECTIONS = args.connections.split(",").map(Number);
const SIDE = 96;
const WARMUP = 50;
const CONFIG = "demo_synthetic";

const dir = mkdtempSync(join(tmpdir(), "segkit-bench-serve-"));
const dataset = new SyntheticDataset(1, [SIDE, SIDE], 3);
const sample = await dataset.raw(0);
const image = await sharp(sample.pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
const checkpoint = join(dir, "model.safetensors");
const model = build<Segmentor>("model", (await loadRunConfig(CONFIG)).model);
saveCheckpoint(checkpoint, { tensors: { model: model.stateDict() }, state: {}, classes: { classes: [...dataset.classes], palette: [...dataset.palette] } });
model.dispose();

const host = await ModelHost.start({ name: CONFIG, config: CONFIG, checkpoint, engine: "libtorch", threads: 1 }, { workers: 1, queued: 16, timeoutMs: 30_000 });
const app = await buildServer({ hosts: [host], bodyLimit: 1 << 20, maxPixels: 4096 * 4096 });
const url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/v1/segment`;
const request = { url, method: "POST" as const, headers: { "content-type": "image/png" }, body: image };

/** Images/s of the worker alone: ModelHost.segment one at a time, no HTTP. */
async function direct(count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await host.segment({ width: SIDE, height: SIDE, pixels: Uint8Array.from(sample.pixels) });
  return count / ((performance.now() - started) / 1000);
}

function check(result: autocannon.Result, what: string): { served: number; busy: number } {
  const codes = result.statusCodeStats ?? {};
  const count = (code: string) => (codes as Record<string, { count?: number }>)[code]?.count ?? 0;
  const failures = Object.keys(codes).filter((c) => c !== "200" && c !== "503");
  if (failures.length > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`bench serve (${what}): status codes ${JSON.stringify(codes)}, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { served: count("200"), busy: count("503") };
}

try {
  await autocannon({ ...request, connections: 1, amount: WARMUP });
  const modelImagesPerSecond = await direct(Math.max(5, Math.round(WARMUP / 2)));
  const rssAfterWarmup = process.memoryUsage().rss;
  const tensorsAfterWarmup = host.workerTensors;
  const levels: Record<string, unknown>[] = [];
  for (const connections of CONNECTIONS) {
    const result = await autocannon({ ...request, connections, duration: DURATION });
    const { served, busy } = check(result, `${connections} clients`);
    const level = {
      connections, requestsPerSecond: served / DURATION, p50Ms: result.latency.p50, p99Ms: result.latency.p99, served, busy503: busy,
      ratioToModel: served / DURATION / modelImagesPerSecond,
    };
    levels.push(level);
    console.log(`  ${String(connections).padStart(2)} clients: ${level.requestsPerSecond.toFixed(1)} requests/s (${(level.ratioToModel * 100).toFixed(0)}% of the model's own ${modelImagesPerSecond.toFixed(1)} images/s), p50 ${level.p50Ms} ms, p99 ${level.p99Ms} ms, ${busy} × 503`);
  }
  const soak = await autocannon({ ...request, connections: 4, amount: REQUESTS });
  check(soak, `${REQUESTS} requests`);
  const rssGrowth = process.memoryUsage().rss / rssAfterWarmup - 1;
  const tensorsAfter = host.workerTensors;
  console.log(`  after ${REQUESTS} more requests: RSS ${rssGrowth >= 0 ? "+" : ""}${(rssGrowth * 100).toFixed(1)}% since warm-up; worker tensors ${tensorsAfter} (after warm-up ${tensorsAfterWarmup})`);
  if (tensorsAfter !== tensorsAfterWarmup) throw new Error(`bench serve: the worker holds ${tensorsAfter} native tensors, ${tensorsAfterWarmup} after warm-up`);
  report("serve", {
    image: `${SIDE}x${SIDE}`, model: CONFIG, modelImagesPerSecond, durationSeconds: DURATION, levels,
    soakRequests: REQUESTS, rssGrowth, workerTensorsAfterWarmup: tensorsAfterWarmup, workerTensorsAfter: tensorsAfter,
  }, { threads: 1 });
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
