// npm run bench -- serve [--duration S] [--requests N] [--connections 1,4,16] [--window W]: `segkit
// serve` under load on loopback with autocannon. A U-Net (demo_synthetic's, random weights) in one
// worker thread segments a 96×96 PNG; for each number of concurrent clients: requests/s and p50/p99
// latency, and the ratio of the HTTP throughput to the same worker's throughput without HTTP
// (ModelHost.segment called in-process, one at a time: the model's own speed). No 5xx but
// backpressure 503s is allowed.
// Memory: autocannon runs in a child process, so this process's RSS is the server's alone. After the
// levels, warm-up continues in windows of W requests (4 clients) until RSS moved by at most 1% in
// each of two consecutive windows: glibc's arenas, V8's heaps, libvips and the caching CPU allocator
// (it keeps freed buffers) only then hold what steady serving needs. Then N more requests, in the
// same windows: RSS growth from the first to the last (≤ 5% asked), the main thread's and the
// worker's heapUsed and external bytes, and the worker's live native tensors (must equal their count
// after warm-up). Last line: JSON.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type autocannon from "autocannon";
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
  options: {
    duration: { type: "string", default: "10" }, requests: { type: "string", default: "10000" }, connections: { type: "string", default: "1,4,16" },
    window: { type: "string", default: "500" },
  },
});
const DURATION = Number(args.duration);
const REQUESTS = Number(args.requests);
const CONNECTIONS = args.connections.split(",").map(Number);
const WINDOW = Number(args.window);
/** Clients of the warm-up and the measured requests. */
const SOAK_CONNECTIONS = 4;
/** RSS may move by this fraction per window in the two windows that end the warm-up. */
const STABLE = 0.01;
/** Warm-up windows at most: past them the measurement starts anyway and the report says so. */
const MAX_WARMUP_WINDOWS = 40;
const SIDE = 96;
const CONFIG = "demo_synthetic";
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon");

/**
 * autocannon in one child process (its buffers and histograms stay out of this process's RSS), made
 * before any model computes: a fork() while libtorch's OpenBLAS threads work hangs in OpenBLAS's
 * fork handler (seen here: the bench stopped in blas_thread_shutdown_). It runs one load per message.
 */
const CLIENT = `import { readFileSync } from "node:fs";
const { default: autocannon } = await import(process.argv[1]);
process.on("message", async (options) => process.send(await autocannon({ ...options, body: readFileSync(options.body) })));
process.send("ready");`;
const client = spawn(process.execPath, ["--input-type=module", "-e", CLIENT, pathToFileURL(AUTOCANNON).href], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
await once(client, "message");

const dir = mkdtempSync(join(tmpdir(), "segkit-bench-serve-"));
const dataset = new SyntheticDataset(1, [SIDE, SIDE], 3);
const sample = await dataset.raw(0);
const imageFile = join(dir, "image.png");
writeFileSync(imageFile, await sharp(sample.pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer());
const checkpoint = join(dir, "model.safetensors");
const model = build<Segmentor>("model", (await loadRunConfig(CONFIG)).model);
saveCheckpoint(checkpoint, { tensors: { model: model.stateDict() }, state: {}, classes: { classes: [...dataset.classes], palette: [...dataset.palette] } });
model.dispose();

const host = await ModelHost.start({ name: CONFIG, config: CONFIG, checkpoint, engine: "libtorch", threads: 1 }, { workers: 1, queued: 16, timeoutMs: 30_000 });
const app = await buildServer({ hosts: [host], bodyLimit: 1 << 20, maxPixels: 4096 * 4096 });
const url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/v1/segment`;

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

/** This process's memory (the server's main thread) and what the model's worker holds. */
function memory() {
  const { rss, heapUsed, external } = process.memoryUsage();
  const worker = host.workerHolding;
  return { rss, heapUsed, external, workerHeapUsed: worker.heapUsed, workerExternal: worker.external, workerTensors: worker.liveTensors };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const describe = (m: ReturnType<typeof memory>) =>
  `RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)}, external ${mb(m.external)}; worker heap ${mb(m.workerHeapUsed)}, external ${mb(m.workerExternal)}, ${m.workerTensors} tensors`;

/** One window of WINDOW requests from SOAK_CONNECTIONS clients; the memory after it. */
async function soakWindow(what: string): Promise<ReturnType<typeof memory>> {
  check(await load(SOAK_CONNECTIONS, { amount: WINDOW }), what);
  return memory();
}

/** One load from the client process: its result. */
async function load(connections: number, until: { amount: number } | { duration: number }): Promise<autocannon.Result> {
  client.send({ url, method: "POST", headers: { "content-type": "image/png" }, body: imageFile, connections, ...until });
  const [result] = (await once(client, "message")) as [autocannon.Result];
  return result;
}

try {
  const modelImagesPerSecond = await direct(25);
  const levels: Record<string, unknown>[] = [];
  for (const connections of CONNECTIONS) {
    const result = await load(connections, { duration: DURATION });
    const { served, busy } = check(result, `${connections} clients`);
    const level = {
      connections, requestsPerSecond: served / DURATION, p50Ms: result.latency.p50, p99Ms: result.latency.p99, served, busy503: busy,
      ratioToModel: served / DURATION / modelImagesPerSecond,
    };
    levels.push(level);
    console.log(`  ${String(connections).padStart(2)} clients: ${level.requestsPerSecond.toFixed(1)} requests/s (${(level.ratioToModel * 100).toFixed(0)}% of the model's own ${modelImagesPerSecond.toFixed(1)} images/s), p50 ${level.p50Ms} ms, p99 ${level.p99Ms} ms, ${busy} × 503`);
  }

  // Warm-up: windows until RSS held still (within STABLE) over two consecutive windows.
  const warmupRss = [memory().rss];
  let warmupWindows = 0;
  let warmupStable = false;
  while (!warmupStable && warmupWindows < MAX_WARMUP_WINDOWS) {
    warmupRss.push((await soakWindow("warm-up")).rss);
    warmupWindows++;
    const n = warmupRss.length;
    warmupStable = n >= 3 && [n - 1, n - 2].every((i) => Math.abs(warmupRss[i] / warmupRss[i - 1] - 1) <= STABLE);
  }
  const warmupRequests = warmupWindows * WINDOW;
  console.log(`  warm-up: ${warmupRequests} requests after the levels (${warmupWindows} windows of ${WINDOW}); RSS ${warmupStable ? "stable" : "still moving"}: ${warmupRss.map(mb).join(", ")}`);

  const start = memory();
  const trace = [start];
  for (let done = 0; done < REQUESTS; done += WINDOW) trace.push(await soakWindow(`${REQUESTS} requests`));
  const end = trace[trace.length - 1];
  const rssGrowth = end.rss / start.rss - 1;
  console.log(`  start: ${describe(start)}`);
  console.log(`  after ${REQUESTS} more requests: ${describe(end)}; RSS ${rssGrowth >= 0 ? "+" : ""}${(rssGrowth * 100).toFixed(1)}%`);
  console.log(`  RSS per ${WINDOW} requests: ${trace.map((m) => mb(m.rss)).join(", ")}`);
  if (end.workerTensors !== start.workerTensors) throw new Error(`bench serve: the worker holds ${end.workerTensors} native tensors, ${start.workerTensors} after warm-up`);
  report("serve", {
    image: `${SIDE}x${SIDE}`, model: CONFIG, modelImagesPerSecond, durationSeconds: DURATION, levels,
    warmupRequests, warmupStable, soakRequests: REQUESTS, rssGrowth, rssWithinLimit: rssGrowth <= 0.05, memoryAfterWarmup: start, memoryAfter: end,
    rssPerWindow: trace.map((m) => m.rss),
  }, { threads: 1 });
} finally {
  client.kill();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
