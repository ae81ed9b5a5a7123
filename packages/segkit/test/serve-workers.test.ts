// Inference off the event loop: models compute in worker threads (the addon is context-aware: each
// thread counts its own tensors), probes answer while a model computes, a full queue gives 503 with
// Retry-After, a deadline gives 503, and SIGTERM lets a running request finish before the exit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import * as torch from "@segkit/torch";
import type { ModelHost } from "../src/serve/model-host.js";
import { buildServer } from "../src/serve/server.js";
import { randomPng, startHost, tinyModel } from "./serve-fixture.js";

// Multi-scale and flipped inference on a large image: a job long enough to overlap with probes.
const files = tinyModel({ scales: [1, 2], flip: true });
const SIDE = 256;
let slow: Buffer;
before(async () => {
  slow = await randomPng(SIDE, SIDE);
});
after(() => rmSync(files.dir, { recursive: true, force: true }));

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const post = (app: FastifyInstance, payload: Buffer, url = "/v1/segment") => app.inject({ method: "POST", url, headers: { "content-type": "image/png" }, payload });

async function serving(hosts: ModelHost[], body: (app: FastifyInstance) => Promise<void>): Promise<void> {
  const app = await buildServer({ hosts, bodyLimit: 8 << 20, maxPixels: 4096 * 4096 });
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

test("two models compute at once in worker threads; the main thread's tensor count is its own; health answers meanwhile", async (t) => {
  const hosts = await Promise.all([startHost("a", files), startHost("b", files)]);
  await serving(hosts, async (app) => {
    const mainTensors = torch.liveTensors();
    const mine = torch.ones([8, 8]);
    const jobs = [post(app, slow), post(app, slow, "/v1/segment?model=b")];
    const started = performance.now();
    let probes = 0;
    let slowestProbe = 0;
    let settled = false;
    void Promise.all(jobs).then(() => (settled = true));
    while (!settled) {
      const t = performance.now();
      assert.equal((await app.inject("/healthz")).statusCode, 200);
      slowestProbe = Math.max(slowestProbe, performance.now() - t);
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
    const took = performance.now() - started;
    const [a, b] = await Promise.all(jobs);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(b.statusCode, 200, b.body);
    assert.ok(probes >= 5, `${probes} health probes answered during ${took.toFixed(0)} ms of inference`);
    // Inference on the event loop would stall a probe for a whole job (half of `took` or more);
    // on a loaded machine a probe may still wait for a core, hence a margin rather than a fixed bound.
    t.diagnostic(`${probes} probes in ${took.toFixed(0)} ms of inference, the slowest ${slowestProbe.toFixed(1)} ms`);
    assert.ok(slowestProbe < took / 4, `the slowest probe took ${slowestProbe.toFixed(1)} ms of the models' ${took.toFixed(0)} ms`);
    assert.equal(torch.liveTensors(), mainTensors + 1, "the workers' tensors are not counted in the main thread");
    mine.dispose();
    for (const h of hosts) assert.ok(h.workerTensors > 0, "a worker counts its model's weights");
  });
});

test("a full queue answers 503 with Retry-After at once; a deadline answers 503; the queue then serves again", async () => {
  const host = await startHost("busy", files, { workers: 1, queued: 1, timeoutMs: 60_000 });
  await serving([host], async (app) => {
    const responses = await Promise.all(Array.from({ length: 4 }, () => post(app, slow)));
    const codes = responses.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 200, 503, 503], "one computing, one queued, two refused");
    const refused = responses.find((r) => r.statusCode === 503)!;
    assert.match(String(refused.headers["retry-after"]), /^\d+$/);
    assert.match(refused.json().error, /busy: 1 computing, 1 queued/);
    assert.equal((await post(app, slow)).statusCode, 200, "with the queue empty again, a request is served");
  });
  const hurried = await startHost("hurried", files, { workers: 1, queued: 4, timeoutMs: 20 });
  await serving([hurried], async (app) => {
    const late = await post(app, slow);
    assert.equal(late.statusCode, 503);
    assert.match(late.json().error, /no result within 20 ms/);
    assert.ok(late.headers["retry-after"]);
  });
});

test("SIGTERM: the server stops taking requests, finishes the running one, and exits 0", async () => {
  const child = spawn(process.execPath, [CLI, "serve", files.config, files.checkpoint, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on("exit", () => reject(new Error(`serve exited: ${err}`)));
  });
  const running = fetch(`${address}/v1/segment`, { method: "POST", headers: { "content-type": "image/png" }, body: slow });
  await new Promise((r) => setTimeout(r, 200));
  child.kill("SIGTERM");
  const response = await running;
  const answered = performance.now();
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { width: number }).width, SIDE);
  assert.equal(await exited, 0, err);
  assert.ok(performance.now() - answered < 10_000, "the exit follows the last reply (no kept-alive connection holds it)");
  assert.match(out, /SIGTERM: draining/);
});
