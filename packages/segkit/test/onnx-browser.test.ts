// The same .onnx file in a browser: onnxruntime-web (WebAssembly) in a page served on localhost to
// headless Chromium (Debian's /usr/bin/chromium, which scripts/setup installs; driven by playwright-core)
// gives the class ids onnxruntime-node gives, for a model exported with --with-preprocess --argmax.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { tmpdir } from "node:os";
import { after, test } from "node:test";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { chromium } from "playwright-core";
import * as torch from "@segkit/torch";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { SyntheticDataset } from "../src/data/datasets/synthetic.js";
import { IMAGENET_MEAN, IMAGENET_STD } from "../src/data/transforms/normalize.js";
import { exportModel } from "../src/engine/export-model.js";
import { loadModel } from "../src/engine/load.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";

const CHROMIUM = "/usr/bin/chromium";
const PAGE = fileURLToPath(new URL("../../test/fixtures/onnx-browser/index.html", import.meta.url));
const ORT_WEB = join(createRequire(import.meta.url).resolve("onnxruntime-web"), "..");
const tmp = mkdtempSync(join(tmpdir(), "segkit-onnx-browser-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

/** A U-Net trained for a few iterations on synthetic scenes: it predicts several classes. */
async function trainedUnet(): Promise<Segmentor> {
  const dataset = { type: "synthetic", length: 8, size: [48, 64], seed: 1 };
  const config = runConfig({
    model: { type: "unet", numClasses: 5, widths: [8, 16] },
    data: { train: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 }, val: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 } },
    optimizer: { type: "adamw", lr: 0.01 },
    train: { iters: 20, valInterval: 20, checkpointInterval: 20, logInterval: 20, seed: 1, threads: 1 },
  } as never);
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);
  await train(config, { workDir: join(tmp, "run"), progress: quiet });
  return loadModel(config, join(tmp, "run", "checkpoints", "iter_20.safetensors")).model;
}

const TYPES: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };

/** Serves the page, onnxruntime-web's files under /ort/, and the given files by path. */
function serve(files: Record<string, Uint8Array>): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    let body: Uint8Array | undefined = files[path];
    if (path === "/") body = readFileSync(PAGE);
    else if (path.startsWith("/ort/")) {
      const file = normalize(join(ORT_WEB, path.slice("/ort/".length)));
      if (file.startsWith(ORT_WEB + "/") && existsSync(file)) body = readFileSync(file);
    }
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": path === "/" ? "text/html" : TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("onnxruntime-web in headless Chromium gives onnxruntime-node's class ids", async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
  const [height, width] = [48, 64];
  const model = await trainedUnet();
  const file = join(tmp, "model.onnx");
  const preprocess = { mean: IMAGENET_MEAN as [number, number, number], std: IMAGENET_STD as [number, number, number] };
  exportModel(model, file, { format: "onnx", size: [height, width], modelType: "unet", preprocess, argmax: true });
  model.dispose();
  const pixels = (await new SyntheticDataset(1, [height, width], 4).raw(0)).pixels as Uint8Array;

  const session = await ort.InferenceSession.create(file);
  const result = await session.run({ pixels: new ort.Tensor("uint8", pixels, [1, height, width, 3]) });
  await session.release();
  const expected = Array.from(result.labels.data as BigInt64Array, Number);
  assert.ok(new Set(expected).size >= 2, "the model predicts more than one class");

  const server = await serve({ "/model.onnx": readFileSync(file), "/pixels.bin": pixels });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const got = await page.evaluate(([h, w]) => (globalThis as unknown as { segment(h: number, w: number): Promise<{ dims: number[]; labels: number[] }> }).segment(h, w), [height, width]);
    assert.deepEqual(errors, []);
    assert.deepEqual(got.dims, [1, height, width]);
    const agreeing = got.labels.filter((k, p) => k === expected[p]).length;
    assert.ok(agreeing / expected.length >= 0.999, `labels agree on ${agreeing} of ${expected.length} pixels`);
  } finally {
    await browser.close();
    server.close();
  }
});
