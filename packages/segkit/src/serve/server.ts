// The HTTP service of `segkit serve` on Fastify: schema-validated routes described by OpenAPI
// (/openapi.json), the models (each a ModelHost with its workers and queue), health and readiness,
// Prometheus metrics, and the web app's files at /. Limits and security are options with safe
// defaults: bodies and pixels bounded, no token unless given, CORS off, no rate limit.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import cors from "@fastify/cors";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import { bearerChecker } from "./auth.js";
import { HttpError } from "./http-error.js";
import { IMAGE_TYPES, SNIFFED_TYPE } from "./image-body.js";
import { serverMetrics } from "./metrics.js";
import type { ModelHost } from "./model-host.js";
import { samRoutes } from "./sam-routes.js";
import { segmentRoute } from "./segment-route.js";
import type { TrainingFeed } from "./training-feed.js";

const require = createRequire(import.meta.url);
const { version } = require("../../../package.json") as { version: string };
/** onnxruntime-web's files, which the page's in-browser mode loads from /ort/. */
const ORT_WEB = dirname(require.resolve("onnxruntime-web"));

export interface ServerOptions {
  hosts: readonly ModelHost[];
  /** Segment Anything models (each a ModelHost of one SAM worker), for the page's interactive mode. */
  samHosts?: readonly ModelHost[];
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** Largest image in pixels (width × height), checked from the header before decoding. */
  maxPixels: number;
  /** Requests to /v1/* and /metrics need `Authorization: Bearer <token>`. */
  token?: string;
  /** Allowed cross-origin caller (CORS is off without it). */
  corsOrigin?: string;
  /** Requests per minute per client address. */
  rateLimit?: number;
  /** The built web app (packages/web/dist), served at /. */
  webDir?: string;
  logger?: boolean;
  /** A training run's feed, streamed at /v1/train/events (Server-Sent Events) for the dashboard. */
  training?: TrainingFeed;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: options.bodyLimit,
    logger: options.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  });
  const hosts = new Map(options.hosts.map((h) => [h.name, h]));
  const samList = options.samHosts ?? [];
  const metrics = serverMetrics(options.hosts);
  let draining = false;

  await app.register(swagger, {
    openapi: {
      info: { title: "segkit serve", version, description: "semantic segmentation of images by the served models" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  if (options.rateLimit !== undefined) await app.register(rateLimit, { global: true, max: options.rateLimit, timeWindow: 60_000 });
  if (options.corsOrigin !== undefined) await app.register(cors, { origin: options.corsOrigin });
  await app.register(multipart, { limits: { fileSize: options.bodyLimit, files: 1, fields: 0, parts: 2 } });

  // Bodies are bytes: images only (JSON and text parsers removed, so other types are refused with 415).
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser([...IMAGE_TYPES, SNIFFED_TYPE], { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  if (options.token !== undefined) {
    const allowed = bearerChecker(options.token);
    app.addHook("onRequest", async (request, reply) => {
      const path = request.url.split("?")[0];
      if (!(path.startsWith("/v1/") || path === "/metrics")) return;
      if (!allowed(request.headers.authorization)) {
        reply.header("www-authenticate", "Bearer");
        throw new HttpError(401, "this server needs Authorization: Bearer <token>");
      }
    });
  }
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof HttpError ? error.statusCode : error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (error instanceof HttpError) reply.headers(error.headers);
    if (status >= 500 && !(error instanceof HttpError)) request.log.error(error);
    return reply.code(status).send({ error: error.message });
  });
  // Draining: readiness fails, replies close their connections (a kept-alive one would hold the
  // close for the keep-alive timeout), running requests finish, then the models' workers stop.
  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    draining = true;
    for (const end of streams) end(); // event streams never finish by themselves
  });
  app.addHook("onSend", async (_request, reply) => {
    if (draining) reply.header("connection", "close");
  });
  app.addHook("onClose", async () => {
    await Promise.all([...options.hosts, ...samList].map((h) => h.drain()));
  });

  // Probes answer without the token (it guards /v1 and /metrics only) and past any rate limit.
  const open = { config: { rateLimit: false } };
  app.get("/healthz", { ...open, schema: { summary: "liveness: the process answers" } }, async () => ({ status: "ok" }));
  app.get("/readyz", { ...open, schema: { summary: "readiness: every model is loaded and the server is not draining" } }, async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: "draining" });
    return { status: "ready", models: [...hosts.keys()], ...(samList.length > 0 ? { sam: samList.map((h) => h.name) } : {}) };
  });
  app.get("/metrics", { schema: { summary: "Prometheus metrics", hide: false } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/v1/models", { schema: { summary: "the served models: names, engines, classes and their colours" } }, async () => ({
    models: options.hosts.map((h) => ({
      name: h.name, config: h.spec.config, engine: h.spec.engine, divisor: h.divisor,
      classes: h.classes.classes.map((name, index) => ({ index, name, colour: h.classes.palette[index] })),
      queue: { computing: h.inFlight, queued: h.queueDepth },
    })),
    sam: samList.map((h) => ({ name: h.name })),
  }));
  segmentRoute(app, hosts, options.maxPixels);
  samRoutes(app, new Map(samList.map((h) => [h.name, h])), options.maxPixels);
  const feed = options.training;
  if (feed) {
    app.get("/v1/train/events", { schema: { summary: "the training run's steps and validations as Server-Sent Events (history first, then live)" } }, (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      const send = (event: object) => reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
      for (const event of feed.history) send(event);
      const unsubscribe = feed.subscribe(send);
      const end = () => {
        unsubscribe();
        streams.delete(end);
        reply.raw.end();
      };
      streams.add(end);
      request.raw.on("close", end);
    });
  }
  app.get<{ Params: { name: string } }>("/v1/models/:name/model.onnx", {
    schema: { summary: "the model as ONNX for in-browser inference: uint8 pixels (1×H×W×3) in, logits (1×K×H×W) out", params: { type: "object", properties: { name: { type: "string" } } } },
  }, async (request, reply) => {
    const host = hosts.get(request.params.name);
    if (!host) throw new HttpError(404, `no model "${request.params.name}" is served`);
    return reply.type("application/octet-stream").send(Buffer.from(await host.onnxModel()));
  });
  await app.register(fastifyStatic, { root: ORT_WEB, prefix: "/ort/", decorateReply: false, index: false });

  if (options.webDir !== undefined && existsSync(options.webDir)) {
    await app.register(fastifyStatic, { root: options.webDir, prefix: "/" });
  } else {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply.type("text/plain").send("segkit serve: the web app is not built (npm run build builds packages/web); the API is at /v1 and /openapi.json\n"));
  }
  return app;
}
