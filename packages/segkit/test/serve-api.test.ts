// The HTTP API of `segkit serve` (src/serve) on a tiny model in a worker thread: every route and
// every status code it answers with, and labels equal to `segkit predict`'s inference in-process.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import sharp from "sharp";
import { loadModel, loadRunConfig } from "../src/engine/load.js";
import * as torch from "@segkit/torch";
import { predictProbabilities } from "../src/engine/evaluate.js";
import { predictionPipeline, predictLabelsWith } from "../src/engine/predict.js";
import { Rng } from "../src/data/rng.js";
import { decodeRgbImage } from "../src/data/image-file.js";
import { readLabelPng } from "../src/io/label-png.js";
import type { ModelHost } from "../src/serve/model-host.js";
import { buildServer, type ServerOptions } from "../src/serve/server.js";
import { CLASSES, randomPng, startHost, tinyModel } from "./serve-fixture.js";

const files = tinyModel();
let host: ModelHost;
let other: ModelHost;
let app: FastifyInstance;
const OPTIONS = { bodyLimit: 1 << 20, maxPixels: 512 * 512 };

before(async () => {
  [host, other] = await Promise.all([startHost("tiny", files), startHost("other", files)]);
  app = await buildServer({ hosts: [host, other], ...OPTIONS });
});
after(async () => {
  await app.close();
  rmSync(files.dir, { recursive: true, force: true });
});

const png = (type = "image/png") => ({ "content-type": type });

test("POST /v1/segment gives the classes, per-class areas and the label PNG that predict's inference gives", async () => {
  const image = await randomPng(40, 30);
  const response = await app.inject({ method: "POST", url: "/v1/segment", headers: png(), payload: image });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  assert.equal(body.model, "tiny");
  assert.deepEqual([body.width, body.height], [40, 30]);
  assert.deepEqual(body.classes.map((c: { name: string }) => c.name), CLASSES.classes);
  assert.deepEqual(body.classes.map((c: { colour: number[] }) => c.colour), CLASSES.palette);
  assert.equal(body.classes.reduce((a: number, c: { pixels: number }) => a + c.pixels, 0), 40 * 30);

  const labelFile = join(files.dir, "served.png");
  writeFileSync(labelFile, Buffer.from(body.labelPng, "base64"));
  const served = await readLabelPng(labelFile);
  const run = await loadRunConfig(files.config);
  const { model } = loadModel(run, files.checkpoint);
  const rgb = await decodeRgbImage(image, "image");
  const expected = await predictLabelsWith(model, { ...rgb, meta: { file: "image", size: [30, 40] } }, predictionPipeline(run.data.val.pipeline), run.test);
  model.dispose();
  assert.deepEqual(Array.from(served.data), Array.from(expected));
  for (const c of body.classes) assert.equal(c.pixels, expected.filter((k) => k === c.index).length);
});

test("confidence=true adds each pixel's probability of its class (the softmax maximum) as an 8-bit PNG; off by default; JSON only", async () => {
  const image = await randomPng(40, 30, 4);
  const plain = await app.inject({ method: "POST", url: "/v1/segment", headers: png(), payload: image });
  assert.equal(plain.json().confidencePng, undefined, "not sent unless asked");
  const response = await app.inject({ method: "POST", url: "/v1/segment?confidence=true", headers: png(), payload: image });
  assert.equal(response.statusCode, 200, response.body);
  const confidenceFile = join(files.dir, "confidence.png");
  writeFileSync(confidenceFile, Buffer.from(response.json().confidencePng, "base64"));
  const served = await readLabelPng(confidenceFile);
  assert.deepEqual([served.width, served.height], [40, 30]);

  // The reference: the model's class probabilities in-process, their maximum over classes.
  const run = await loadRunConfig(files.config);
  const { model } = loadModel(run, files.checkpoint);
  const rgb = await decodeRgbImage(image, "image");
  const prepared = predictionPipeline(run.data.val.pipeline)({ ...rgb, label: new Uint8Array(40 * 30), meta: { file: "image", size: [30, 40] } }, new Rng(0));
  const expected = torch.tidy(() => {
    const batch = torch.tensor(prepared.pixels, { shape: [30, 40, 3] }).permute([2, 0, 1]).unsqueeze(0).to("float32").contiguous();
    return predictProbabilities(model.eval(), batch, run.test).amax(1).mul(255).round().to("uint8").toTypedArray() as Uint8Array;
  });
  model.dispose();
  assert.deepEqual(Array.from(served.data), Array.from(expected));
  assert.ok(Math.min(...expected) >= Math.floor(255 / 3) && new Set(expected).size > 10, "probabilities of 3 classes, varied over the image");
  const refused = await app.inject({ method: "POST", url: "/v1/segment?confidence=true&format=label", headers: png(), payload: image });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().error, /^confidence: /);
  const malformed = await app.inject({ method: "POST", url: "/v1/segment?confidence=maybe", headers: png(), payload: image });
  assert.equal(malformed.statusCode, 400);
  assert.match(malformed.json().error, /confidence/);
});

test("format=label and format=overlay return PNGs of the image's size; a multipart upload works as the raw body", async () => {
  const image = await randomPng(24, 16);
  for (const format of ["label", "overlay"]) {
    const response = await app.inject({ method: "POST", url: `/v1/segment?format=${format}&alpha=0.7`, headers: png(), payload: image });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers["content-type"], "image/png");
    const meta = await sharp(response.rawPayload).metadata();
    assert.deepEqual([meta.width, meta.height], [24, 16]);
  }
  const boundary = "segkitboundary";
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    image, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const multipart = await app.inject({ method: "POST", url: "/v1/segment?model=other", headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, payload });
  assert.equal(multipart.statusCode, 200, multipart.body);
  assert.equal(multipart.json().model, "other");
});

test("GET /v1/models lists every model with its classes and colours; health, readiness, metrics and OpenAPI answer", async () => {
  const models = (await app.inject("/v1/models")).json().models;
  assert.deepEqual(models.map((m: { name: string }) => m.name), ["tiny", "other"]);
  assert.deepEqual(models[0].classes[2], { index: 2, name: "car", colour: [255, 0, 0] });
  assert.deepEqual((await app.inject("/healthz")).json(), { status: "ok" });
  assert.deepEqual((await app.inject("/readyz")).json(), { status: "ready", models: ["tiny", "other"] });
  const metrics = await app.inject("/metrics");
  assert.match(metrics.body, /segkit_http_requests_total\{route="\/v1\/segment",status="200"\} \d+/);
  assert.match(metrics.body, /segkit_queue_depth\{model="tiny"\} 0/);
  assert.match(metrics.body, /segkit_worker_live_tensors\{model="tiny"\} \d+/);
  assert.match(metrics.body, /segkit_worker_heap_used_bytes\{model="tiny"\} [1-9]\d*/);
  assert.match(metrics.body, /segkit_worker_external_bytes\{model="tiny"\} [1-9]\d*/);
  const openapi = (await app.inject("/openapi.json")).json();
  assert.equal(openapi.openapi.slice(0, 2), "3.");
  assert.deepEqual(Object.keys(openapi.paths["/v1/segment"]), ["post"]);
  assert.ok(openapi.paths["/v1/models"]);
});

test("bad requests: unknown model 404, bad query 400, no body 400, unsupported or lying types 415, corrupt image 400", async () => {
  const image = await randomPng(16, 16);
  const post = (url: string, headers: Record<string, string>, payload?: Buffer | string) => app.inject({ method: "POST", url, headers, payload });
  const unknown = await post("/v1/segment?model=nope", png(), image);
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().error, /no model "nope".*tiny, other/);
  assert.equal((await post("/v1/segment?format=gif", png(), image)).statusCode, 400);
  assert.equal((await post("/v1/segment?colour=1", png(), image)).statusCode, 400);
  assert.equal((await post("/v1/segment", {})).statusCode, 400);
  assert.equal((await post("/v1/segment", { "content-type": "text/plain" }, "hello")).statusCode, 415);
  assert.equal((await post("/v1/segment", { "content-type": "application/json" }, "{}")).statusCode, 415);
  const jpeg = await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toBuffer();
  const lying = await post("/v1/segment", png(), jpeg);
  assert.equal(lying.statusCode, 415);
  assert.match(lying.json().error, /declared image\/png but its signature says image\/jpeg/);
  assert.equal((await post("/v1/segment", png("application/octet-stream"), jpeg)).statusCode, 200, "a sniffed JPEG is decoded");
  assert.equal((await post("/v1/segment", png("application/octet-stream"), Buffer.from("not an image at all"))).statusCode, 415);
  const truncated = await post("/v1/segment", png(), image.subarray(0, image.length - 30));
  assert.equal(truncated.statusCode, 400);
  assert.match(truncated.json().error, /cannot decode image/);
});

/** A PNG that is only a signature and an IHDR chunk (with a correct CRC) saying width × height. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(17);
  ihdr.write("IHDR", 0, "latin1");
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt32BE(height, 8);
  ihdr.set([8, 2, 0, 0, 0], 12);
  const chunk = Buffer.alloc(25);
  chunk.writeUInt32BE(13, 0);
  ihdr.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(ihdr), 21);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk]);
}

test("limits: a 100,000×100,000 PNG header is refused with 413 at once, and so is a body over the limit", async () => {
  const started = performance.now();
  const huge = await app.inject({ method: "POST", url: "/v1/segment", headers: png(), payload: pngHeaderOnly(100_000, 100_000) });
  assert.equal(huge.statusCode, 413);
  assert.match(huge.json().error, /100000×100000 = 10000000000 pixels; the limit is 262144/);
  assert.ok(performance.now() - started < 500, "refused from the header, without decoding");
  const big = await app.inject({ method: "POST", url: "/v1/segment", headers: png(), payload: Buffer.alloc(OPTIONS.bodyLimit + 1) });
  assert.equal(big.statusCode, 413);
});

test("GET /v1/models/NAME/model.onnx: the model as ONNX for the page; 404 for an unknown model; 409 when the page could not match the server", async () => {
  const onnx = await app.inject("/v1/models/tiny/model.onnx");
  assert.equal(onnx.statusCode, 200, onnx.body);
  assert.equal(onnx.headers["content-type"], "application/octet-stream");
  assert.ok(onnx.rawPayload.includes(Buffer.from("logits")) && onnx.rawPayload.includes(Buffer.from("pixels")), "a graph from pixels to logits (the page takes argmax and softmax)");
  assert.equal((await app.inject("/v1/models/nope/model.onnx")).statusCode, 404);
  const resizing = tinyModel({}, [{ type: "resize", scale: [32, 32], keepRatio: false }, { type: "normalize" }]);
  const host = await startHost("resizing", resizing);
  await withServer({ hosts: [host] }, async (server) => {
    const refused = await server.inject("/v1/models/resizing/model.onnx");
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().error, /test pipeline also has resize/);
  });
  assert.equal(await host.drain(), undefined, "a second drain (the server's close drained it) returns at once");
  rmSync(resizing.dir, { recursive: true, force: true });
});

async function withServer(options: Partial<ServerOptions>, body: (server: FastifyInstance) => Promise<void>): Promise<void> {
  // A server of its own over the same hosts: closing it must not stop them, so it gets none to drain.
  const server = await buildServer({ hosts: [], ...OPTIONS, ...options });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test("security: a bearer token guards the API (not the probes); CORS is off unless an origin is given; rate limiting answers 429", async () => {
  await withServer({ token: "s3cret" }, async (server) => {
    assert.equal((await server.inject("/v1/models")).statusCode, 401);
    assert.equal((await server.inject({ url: "/v1/models", headers: { authorization: "Bearer wrong" } })).statusCode, 401);
    assert.equal((await server.inject({ url: "/metrics", headers: { authorization: "Bearer s3cre" } })).statusCode, 401);
    assert.equal((await server.inject({ url: "/v1/models", headers: { authorization: "Bearer s3cret" } })).statusCode, 200);
    assert.equal((await server.inject("/healthz")).statusCode, 200);
  });
  const plain = await app.inject({ url: "/v1/models", headers: { origin: "http://elsewhere.example" } });
  assert.equal(plain.headers["access-control-allow-origin"], undefined);
  await withServer({ corsOrigin: "http://app.example" }, async (server) => {
    const allowed = await server.inject({ url: "/v1/models", headers: { origin: "http://app.example" } });
    assert.equal(allowed.headers["access-control-allow-origin"], "http://app.example");
  });
  await withServer({ rateLimit: 3 }, async (server) => {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await server.inject("/v1/models")).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    assert.equal((await server.inject("/healthz")).statusCode, 200, "probes are not rate limited");
  });
});
