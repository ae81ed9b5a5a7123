// `segkit serve CONFIG|NAME [CHECKPOINT]`: the HTTP service (src/serve) with the web app at /.
// More models come with --model NAME=CONFIG[,CHECKPOINT]; each runs in worker threads of its own.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { ENGINES, type EngineName } from "../inference/engine.js";
import { SAM_DECODER_BACKENDS, type SamDecoderBackend } from "../models/sam/predictor.js";
import type { ModelHost } from "../serve/model-host.js";
import type { ModelSpec } from "../serve/worker-protocol.js";
import { integer } from "./eval.js";

/** The limits `segkit serve` and `segkit train --serve` start with. */
export const DEFAULT_BODY_LIMIT = 20 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** The service's modules (Fastify and its plugins), loaded by the commands that serve only: other commands start faster. */
export async function serveModules() {
  const [{ ModelHost }, { buildServer }, { TrainingFeed }] = await Promise.all([
    import("../serve/model-host.js"), import("../serve/server.js"), import("../serve/training-feed.js"),
  ]);
  return { ModelHost, buildServer, TrainingFeed };
}

/** The web app's build (packages/web/dist) beside this package in the workspace. */
export const WEB_DIR = fileURLToPath(new URL("../../../../web/dist", import.meta.url));

interface ServeOptions {
  engine: EngineName;
  port: number;
  host: string;
  model: string[];
  sam: string[];
  samDecoderHeads: number;
  samDecoder: SamDecoderBackend;
  workers: number;
  queue: number;
  timeout: number;
  threads: number;
  bodyLimit: number;
  maxPixels: number;
  tokenFile?: string;
  cors?: string;
  rateLimit?: number;
  web: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const nameOf = (config: string) => basename(config).replace(/\.json$/, "");

/** "NAME=CONFIG[,CHECKPOINT]" of --model. */
function modelArg(value: string): { name: string; config: string; checkpoint?: string } {
  const match = /^([\w.-]+)=([^,]+)(?:,(.+))?$/.exec(value);
  if (!match) throw new InvalidArgumentError(`--model: expected NAME=CONFIG[,CHECKPOINT], got "${value}"`);
  return { name: match[1], config: match[2], ...(match[3] ? { checkpoint: match[3] } : {}) };
}

/** "NAME=CHECKPOINT" of --sam. */
function samArg(value: string): { name: string; checkpoint: string } {
  const match = /^([\w.-]+)=(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`--sam: expected NAME=CHECKPOINT, got "${value}"`);
  return { name: match[1], checkpoint: match[2] };
}

/** The token from --token-file or SEGKIT_SERVE_TOKEN (never a command-line value, which `ps` shows). */
function tokenOf(file: string | undefined): string | undefined {
  const token = file !== undefined ? readFileSync(file, "utf8").trim() : process.env.SEGKIT_SERVE_TOKEN;
  if (token !== undefined && token.length === 0) throw new Error(`${file ?? "SEGKIT_SERVE_TOKEN"}: the token is empty`);
  return token;
}

export function registerServe(program: Command): void {
  program
    .command("serve <config> [checkpoint]")
    .description("serve models over HTTP (POST /v1/segment, GET /v1/models, /healthz, /readyz, /metrics, /openapi.json) and the web app at /; without a checkpoint, the model zoo's weights for a shipped config name")
    .addOption(new Option("--engine <engine>", "run the model on libtorch or onnxruntime").choices(ENGINES).default("libtorch"))
    .option("--port <port>", "TCP port (0: any free one)", integer("--port", 0), 8080)
    .option("--host <address>", "address to bind (other than loopback exposes the server)", "127.0.0.1")
    .option("--model <name=config[,checkpoint]>", "serve another model under this name (repeatable)", collect, [])
    .option("--sam <name=checkpoint>", "serve a Segment Anything model (weights in the authors' layout, e.g. sam_vit_b_01ec64.pth) for the page's interactive mode (repeatable)", collect, [])
    .option("--sam-decoder-heads <n>", "attention heads of the SAM mask decoder (8 in every official checkpoint)", integer("--sam-decoder-heads", 1), 8)
    .addOption(new Option("--sam-decoder <backend>", "what runs SAM's prompt decoder for clicks and boxes: onnxruntime (the decoder exported once as the worker starts, a few seconds; about half the time per click) or libtorch").choices(SAM_DECODER_BACKENDS).default("onnxruntime"))
    .option("--workers <n>", "worker threads per model (each holds the model)", integer("--workers", 1), 1)
    .option("--queue <n>", "requests waiting per model before 503", integer("--queue", 0), 8)
    .option("--timeout <ms>", "per-request deadline", integer("--timeout", 1), 30_000)
    .option("--threads <n>", "intra-op threads of each worker", integer("--threads", 1), 1)
    .option("--body-limit <bytes>", "largest request body", integer("--body-limit", 1), DEFAULT_BODY_LIMIT)
    .option("--max-pixels <n>", "largest image (width × height), checked before decoding", integer("--max-pixels", 1), DEFAULT_MAX_PIXELS)
    .option("--token-file <file>", "require Authorization: Bearer <the file's content> (or set SEGKIT_SERVE_TOKEN)")
    .option("--cors <origin>", "allow this origin to call the API from a browser (off by default)")
    .option("--rate-limit <n>", "requests per minute per client", integer("--rate-limit", 1))
    .option("--web <dir>", "the built web app to serve at /", WEB_DIR)
    .action(async (config: string, checkpoint: string | undefined, o: ServeOptions) => {
      const token = tokenOf(o.tokenFile);
      const { ModelHost, buildServer } = await serveModules();
      const specs: ModelSpec[] = [{ name: nameOf(config), config, checkpoint }, ...o.model.map(modelArg)]
        .map((m) => ({ ...m, engine: o.engine, threads: o.threads }));
      // One worker per SAM model: its embedding cache must see every request about an image.
      const samSpecs: ModelSpec[] = o.sam.map(samArg).map((m) => ({ ...m, config: "", engine: "libtorch", threads: o.threads, sam: { decoderHeads: o.samDecoderHeads, decoder: o.samDecoder } }));
      const names = [...specs, ...samSpecs].map((s) => s.name);
      const repeated = names.find((n, i) => names.indexOf(n) !== i);
      if (repeated) throw new Error(`two models are named "${repeated}": name them apart with --model NAME=...`);
      const limits = { workers: o.workers, queued: o.queue, timeoutMs: o.timeout };
      const hosts: ModelHost[] = [];
      const samHosts: ModelHost[] = [];
      try {
        for (const spec of specs) hosts.push(await ModelHost.start(spec, limits));
        for (const spec of samSpecs) samHosts.push(await ModelHost.start(spec, { ...limits, workers: 1 }));
      } catch (e) {
        await Promise.all([...hosts, ...samHosts].map((h) => h.drain()));
        throw e;
      }
      const app = await buildServer({ hosts, samHosts, bodyLimit: o.bodyLimit, maxPixels: o.maxPixels, token, corsOrigin: o.cors, rateLimit: o.rateLimit, webDir: o.web, logger: false });
      const address = await app.listen({ port: o.port, host: o.host });
      process.stdout.write(`segkit serve: ${names.join(", ")} on ${address} (web app at /, API description at /openapi.json)\n`);
      const stop = (signal: string) => {
        process.stdout.write(`segkit serve: ${signal}: draining\n`);
        void app.close().then(() => process.exit(0));
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
}
