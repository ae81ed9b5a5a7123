// Fuzzing the upload path: mutated PNG, JPEG and WebP files (bit flips, overwritten runs, cuts,
// inserted bytes, forged sizes) posted to /v1/segment. Every reply is 200 or a 4xx with a message,
// none takes long, the server stays healthy, and the worker holds no more tensors than before.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import sharp from "sharp";
import { Rng } from "../src/data/rng.js";
import { buildServer } from "../src/serve/server.js";
import { randomPng, startHost, tinyModel } from "./serve-fixture.js";

/** Mutated uploads per run: enough to reach the decoders' error paths, few enough for CI's time. */
const FUZZ_CASES = 200;
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
  const host = await startHost("fuzz", files, { queued: 16, timeoutMs: 10_000 });
  const app = await buildServer({ hosts: [host], bodyLimit: 1 << 20, maxPixels: 256 * 256 });
  try {
    const png = await randomPng(24, 20);
    const sources: [string, Buffer][] = [
      ["image/png", png],
      ["image/jpeg", await sharp(png).jpeg().toBuffer()],
      ["image/webp", await sharp(png).webp().toBuffer()],
    ];
    const post = (type: string, payload: Buffer) => app.inject({ method: "POST", url: "/v1/segment", headers: { "content-type": type }, payload });
    assert.equal((await post("image/png", png)).statusCode, 200);
    const baseline = host.workerTensors;

    const rng = new Rng(7, 0);
    const seen = new Map<number, number>();
    let slowest = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const [type, source] = sources[i % sources.length];
      const started = performance.now();
      const response = await post(type, mutate(source, rng));
      slowest = Math.max(slowest, performance.now() - started);
      seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
      assert.ok(response.statusCode === 200 || (response.statusCode >= 400 && response.statusCode < 500), `case ${i}: ${response.statusCode} ${response.body}`);
      if (response.statusCode !== 200) assert.ok(response.json().error.length > 0, `case ${i}: no message`);
    }
    t.diagnostic(`statuses ${JSON.stringify(Object.fromEntries(seen))}, slowest ${slowest.toFixed(0)} ms`);
    assert.ok(slowest < 5000, `the slowest case took ${slowest.toFixed(0)} ms`);
    assert.ok((seen.get(400) ?? 0) > 0 && (seen.get(200) ?? 0) > 0, `statuses: ${JSON.stringify([...seen])}`);
    assert.equal((await app.inject("/healthz")).statusCode, 200);
    assert.equal((await post("image/png", png)).statusCode, 200);
    assert.equal(host.workerTensors, baseline, "the worker holds as many tensors as before the fuzzing");
  } finally {
    await app.close();
  }
});
