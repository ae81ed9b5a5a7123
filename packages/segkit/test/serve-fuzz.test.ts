// Fuzzing the upload path: mutated PNG, JPEG and WebP files (bit flips, overwritten runs, cuts,
// inserted bytes, forged sizes) posted to /v1/segment by concurrent clients. Every reply is 200 or a
// 4xx with a message, none takes long, the server stays healthy, and neither the worker nor the
// server's thread holds more native tensors than before.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { Rng } from "../src/data/rng.js";
import { buildServer } from "../src/serve/server.js";
import { randomPng, startHost, tinyModel } from "./serve-fixture.js";

/** Mutated uploads per run (issue 25 asks for 1,000): small images, posted by concurrent clients, keep it quick. */
const FUZZ_CASES = 1000;
const CONCURRENCY = 8;
const files = tinyModel();
after(() => rmSync(files.dir, { recursive: true, force: true }));

function mutate(source: Buffer, rng: Rng): Buffer {
  const bytes = Buffer.from(source);
  const at = () => Math.floor(rng.uniform(0, bytes.length));
  switch (Math.floor(rng.uniform(0, 5))) {
    case 0: // flip a few bits
      for (let i = 0; i < 1 + rng.uniform(0, 8); i++) bytes[at()] ^= 1 << Math.floor(rng.uniform(0, 8));
      return bytes;
    case 1: { // overwrite a run with random bytes
      const start = at();
      for (let i = start; i < Math.min(bytes.length, start + rng.uniform(1, 64)); i++) bytes[i] = rng.uniform(0, 256);
      return bytes;
    }
    case 2: // cut the file short
      return bytes.subarray(0, at());
    case 3: { // insert random bytes
      const start = at();
      return Buffer.concat([bytes.subarray(0, start), Buffer.from(Array.from({ length: rng.uniform(1, 32) }, () => rng.uniform(0, 256))), bytes.subarray(start)]);
    }
    default: // forge the size fields where PNG's IHDR keeps them (any format: garbage elsewhere)
      bytes.writeUInt32BE(Math.floor(rng.uniform(0, 2 ** 32)), 16);
      bytes.writeUInt32BE(Math.floor(rng.uniform(0, 2 ** 32)), 20);
      return bytes;
  }
}

test(`${FUZZ_CASES} mutated images: only 200 or 4xx with a message, no hang, no crash, no leaked tensors`, async (t) => {
  // The queue holds every request the clients can have in flight: a 503 here would be a failure.
  const host = await startHost("fuzz", files, { queued: CONCURRENCY, timeoutMs: 10_000 });
  const app = await buildServer({ hosts: [host], bodyLimit: 1 << 20, maxPixels: 256 * 256 });
  try {
    const png = await randomPng(16, 12);
    const sources: [string, Buffer][] = [
      ["image/png", png],
      ["image/jpeg", await sharp(png).jpeg().toBuffer()],
      ["image/webp", await sharp(png).webp().toBuffer()],
    ];
    const post = (type: string, payload: Buffer) => app.inject({ method: "POST", url: "/v1/segment", headers: { "content-type": type }, payload });
    assert.equal((await post("image/png", png)).statusCode, 200);
    const baseline = { worker: host.workerTensors, main: torch.liveTensors() };

    const rng = new Rng(7, 0);
    const cases = Array.from({ length: FUZZ_CASES }, (_, i) => {
      const [type, source] = sources[i % sources.length];
      return { type, payload: mutate(source, rng) };
    });
    const seen = new Map<number, number>();
    let slowest = 0;
    let next = 0;
    const client = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const started = performance.now();
        const response = await post(cases[i].type, cases[i].payload);
        slowest = Math.max(slowest, performance.now() - started);
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        assert.ok(response.statusCode === 200 || (response.statusCode >= 400 && response.statusCode < 500), `case ${i}: ${response.statusCode} ${response.body}`);
        if (response.statusCode !== 200) assert.ok(response.json().error.length > 0, `case ${i}: no message`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    t.diagnostic(`${FUZZ_CASES} cases in ${(performance.now() - started).toFixed(0)} ms, statuses ${JSON.stringify(Object.fromEntries(seen))}, slowest ${slowest.toFixed(0)} ms`);
    assert.equal([...seen.values()].reduce((a, b) => a + b, 0), FUZZ_CASES, "every case was answered");
    assert.ok(slowest < 5000, `the slowest case took ${slowest.toFixed(0)} ms`);
    assert.ok((seen.get(400) ?? 0) > 0 && (seen.get(200) ?? 0) > 0, `statuses: ${JSON.stringify([...seen])}`);
    assert.equal((await app.inject("/healthz")).statusCode, 200);
    assert.equal((await post("image/png", png)).statusCode, 200);
    assert.equal(host.workerTensors, baseline.worker, "the worker holds as many tensors as before the fuzzing");
    assert.equal(torch.liveTensors(), baseline.main, "the server's thread holds as many tensors as before the fuzzing");
  } finally {
    await app.close();
  }
});
