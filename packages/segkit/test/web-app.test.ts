// The web app (packages/web, built by scripts/setup) served by `segkit serve` at /, driven in
// headless Chromium (Debian's, through playwright-core): images picked, dropped or pasted → overlay,
// label view and legend appear, as the server segments them; unticking a class takes its colour off
// the overlay; the opacity slider blends the overlay; the downloads are the server's label PNG and the
// overlay drawn; the area table's bars follow its pixel counts; two models compared; the in-browser
// mode agrees with the server, and an exported .onnx with the preprocessing and argmax in its graph
// gives onnxruntime-node's class ids in the page; the Evaluate page's metrics and heatmap equal
// `segkit eval`'s on the same files; a training run's dashboard feed (what `segkit train --serve`
// adds) reaches the Training page live, with the model's predictions on validation images. One
// server, one browser and one page for all of it (onnxruntime-web's WebAssembly is compiled once).
// Screenshots go to the OS temp dir (path printed).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { summarize, summaryJSON } from "@segkit/metrics";
import type { FastifyInstance } from "fastify";
import * as ort from "onnxruntime-node";
import { chromium, type Browser, type Page } from "playwright-core";
import sharp from "sharp";
import { WEB_DIR } from "../src/cli/serve.js";
import { evaluateFolders } from "../src/cli/eval.js";
import { build } from "../src/config/registry.js";
import { Rng } from "../src/data/rng.js";
import type { Dataset } from "../src/data/types.js";
import { IMAGENET_MEAN, IMAGENET_STD } from "../src/data/transforms/normalize.js";
import { exportModel } from "../src/engine/export-model.js";
import type { Hook, TrainRun } from "../src/engine/hooks/hook.js";
import { loadModel, loadRunConfig } from "../src/engine/load.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { encodeLabelPng, GREY_PALETTE } from "../src/io/label-png-writer.js";
import { readLabelPng } from "../src/io/label-png.js";
import { buildServer } from "../src/serve/server.js";
import { TrainingFeed, type TrainingEvent } from "../src/serve/training-feed.js";
import { CLASSES, randomPng, startHost, tinyModel } from "./serve-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const files = tinyModel();
const otherFiles = tinyModel({}, [{ type: "normalize" }], 1);
const artifacts = mkdtempSync(join(tmpdir(), "segkit-web-app-"));
let app: FastifyInstance;
let address: string;
let browser: Browser;
let page: Page;
/** The training run's feed, as `segkit train --serve` gives the server one. */
const feed = new TrainingFeed();
/** Errors the page threw since the last test checked. */
const errors: string[] = [];

before(async () => {
  assert.ok(existsSync(join(WEB_DIR, "index.html")), `${WEB_DIR} is not built: scripts/setup runs npm run build -w @segkit/web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
  // The browser starts while the models' workers load.
  const launched = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }).then(async (b) => [b, await b.newPage()] as const);
  app = await buildServer({ hosts: await Promise.all([startHost("tiny", files), startHost("tiny-b", otherFiles)]), training: feed, bodyLimit: 1 << 20, maxPixels: 1 << 20, webDir: WEB_DIR });
  address = await app.listen({ port: 0, host: "127.0.0.1" });
  [browser, page] = await launched;
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${address}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 10_000 });
  console.log(`web app screenshots: ${artifacts}`);
});
afterEach(() => assert.deepEqual(errors.splice(0), [], "the page threw"));
after(async () => {
  await browser?.close();
  await app?.close();
  rmSync(files.dir, { recursive: true, force: true });
  rmSync(otherFiles.dir, { recursive: true, force: true });
});

/** The Segment page as a fresh load shows it: no results, one model, served compute, every class ticked, opacity 0.5. */
async function segmentPage(): Promise<void> {
  await page.click("nav button[data-page=segment]");
  await page.locator("#results").evaluate((results: { replaceChildren(): void }) => results.replaceChildren());
  await page.selectOption("#compare", "");
  await page.uncheck("#in-browser");
  for (const toggle of await page.locator("#legend input").all()) await toggle.check();
  await page.fill("#opacity", "0.5");
}

/** Waits until `count` result cards are done and none failed. */
async function resultsDone(count: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll(".result[data-state=done], .result[data-state=failed]").length === ${count}`, undefined, { timeout: 25_000 });
  assert.equal(await page.locator(".result[data-state=failed]").count(), 0, (await page.locator(".result .error").allTextContents()).join("; "));
}

/** What the page's canvases and globals give, declared here (the tests compile without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface OrtTensorLike {
  dims: number[];
  data: ArrayLike<number | bigint>;
}
interface OrtPage {
  ort?: {
    env: { wasm: { wasmPaths: string; numThreads: number } };
    Tensor: new (type: "uint8", data: Uint8Array, dims: number[]) => OrtTensorLike;
    InferenceSession: {
      create(model: Uint8Array, options: { executionProviders: string[] }): Promise<{
        inputNames: string[];
        outputNames: string[];
        run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
        release(): Promise<void>;
      }>;
    };
  };
  location: { href: string };
  document: { createElement(tag: "script"): { src: string; onload: unknown; onerror: unknown }; head: { append(node: unknown): void } };
}
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean }) => unknown;
  document: { dispatchEvent(event: unknown): boolean };
}

/** The tooltip's text with the mouse over pixel (x, y) of the first result card's `view` canvas. */
async function hoverText(view: string, x: number, y: number, width: number, height: number): Promise<string> {
  const box = (await page.locator(`.result >> nth=0 >> canvas[data-view=${view}]`).boundingBox())!;
  await page.mouse.move(box.x + ((x + 0.5) / width) * box.width, box.y + ((y + 0.5) / height) * box.height);
  return (await page.locator("#tooltip").textContent()) ?? "";
}

/** What hover must say at pixel p: the class and its confidence in percent. */
const hoverExpected = (labels: ArrayLike<number>, confidence: ArrayLike<number>, p: number) => `${CLASSES.classes[labels[p]]} · ${((100 * confidence[p]) / 255).toFixed(0)}%`;

/** RGBA bytes of the canvas showing `view` in the result card `card` (0: the first). */
function pixelsOf(view: string, card = 0): Promise<number[]> {
  return page.locator(`.result >> nth=${card} >> canvas[data-view=${view}]`).evaluate((canvas: CanvasLike) =>
    Array.from(canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data));
}

const colourKey = (c: ArrayLike<number>) => Array.from(c).join(",");
const classOfColour = new Map(CLASSES.palette.map((c, k) => [colourKey(c), k]));

/** Class ids from an RGB(A) rendering in the palette's colours (`channels` bytes per pixel). */
function classesOfColours(bytes: ArrayLike<number>, channels: number): (number | undefined)[] {
  return Array.from({ length: bytes.length / channels }, (_, p) => classOfColour.get(colourKey(Array.from(bytes).slice(channels * p, channels * p + 3))));
}

/** The server's segmentation of `image` by `model`: its label PNG, class ids and confidences. */
async function served(image: Buffer, name: string, model = "tiny"): Promise<{ labelPng: Buffer; labels: ArrayLike<number>; confidence: ArrayLike<number> }> {
  const body = (await app.inject({ method: "POST", url: `/v1/segment?model=${model}&confidence=true`, headers: { "content-type": "image/png" }, payload: image })).json();
  const labelPng = Buffer.from(body.labelPng, "base64");
  writeFileSync(join(artifacts, `${name}-label.png`), labelPng);
  writeFileSync(join(artifacts, `${name}-confidence.png`), Buffer.from(body.confidencePng, "base64"));
  return {
    labelPng,
    labels: (await readLabelPng(join(artifacts, `${name}-label.png`))).data,
    confidence: (await readLabelPng(join(artifacts, `${name}-confidence.png`))).data,
  };
}

/** Class ids of a base64 label PNG. */
async function labelsOf(png: string, name: string): Promise<number[]> {
  const file = join(artifacts, name);
  writeFileSync(file, Buffer.from(png, "base64"));
  return Array.from((await readLabelPng(file)).data);
}

/** Overlay pixels as the page must blend them: opacity × class colour + (1 − opacity) × image, RGBA. */
function blended(original: number[], labels: ArrayLike<number>, opacity: number): number[] {
  return original.map((v, i) => (i % 4 === 3 ? 255 : Math.round((1 - opacity) * v + opacity * CLASSES.palette[labels[i >> 2]][i % 4])));
}

test("segment: two images picked → overlay, label and legend; unticking a class takes it off the overlay", async () => {
  await segmentPage();
  const [width, height] = [48, 32];
  const image = await randomPng(width, height, 5);
  assert.deepEqual(await page.locator("#legend label").allTextContents(), CLASSES.classes);
  assert.match(await page.locator("#sam-state").textContent() ?? "", /SAM: not served/);
  await page.setInputFiles("#files", [
    { name: "first.png", mimeType: "image/png", buffer: image },
    { name: "second.png", mimeType: "image/png", buffer: await randomPng(20, 20, 9) },
  ]);
  await resultsDone(2);
  await page.screenshot({ path: join(artifacts, "segment.png"), fullPage: true });

  // The server's labels for the same image say which pixels each class covers.
  const { labels, confidence } = await served(image, "first");
  const counts = CLASSES.classes.map((_, k) => Array.from(labels).filter((v) => v === k).length);
  const hidden = counts.indexOf(Math.max(...counts));
  const card = page.locator(".result", { hasText: "first.png" });
  await card.evaluate((element: { parentElement: { prepend(e: unknown): void } | null }) => element.parentElement!.prepend(element));
  // Hover names the class and the server's confidence at the pixel under the mouse.
  for (const [x, y] of [[3, 4], [40, 27], [17, 9]]) {
    assert.equal(await hoverText("overlay", x, y, width, height), hoverExpected(labels, confidence, y * width + x), `hover at (${x}, ${y})`);
  }
  assert.ok(new Set([3 + 4 * width, 40 + 27 * width, 17 + 9 * width].map((p) => confidence[p])).size > 1, "the hovered pixels differ in confidence");
  const original = await pixelsOf("original");
  const before = await pixelsOf("overlay");
  const covered = (pixels: number[], k: number) => [...Array(labels.length).keys()].filter((p) => labels[p] === k).map((p) => pixels.slice(4 * p, 4 * p + 3).join(","));
  assert.notDeepEqual(covered(before, hidden), covered(original, hidden), "the class is coloured on the overlay");

  await page.locator(`#legend label[data-class="${CLASSES.classes[hidden]}"] input`).uncheck();
  const afterToggle = await pixelsOf("overlay");
  assert.deepEqual(covered(afterToggle, hidden), covered(original, hidden), "unticked: its pixels show the image");
  assert.ok(counts.filter((n) => n > 0).length >= 2, `the model predicts several classes (${counts})`);
  for (const k of CLASSES.classes.keys()) {
    if (k !== hidden && counts[k] > 0) assert.deepEqual(covered(afterToggle, k), covered(before, k), `class ${k} stays coloured`);
  }
  assert.equal(await page.locator(".result >> nth=0 >> table.areas tr").count(), CLASSES.classes.length + 1);
  await page.screenshot({ path: join(artifacts, "segment-class-hidden.png"), fullPage: true });
});

test("drop and paste: an image dropped on the page and one pasted are each segmented as the server segments them", async () => {
  await segmentPage();
  const dropped = await randomPng(32, 24, 31);
  const pasted = await randomPng(24, 16, 37);
  const dragged = await page.evaluateHandle(([bytes, name]) => {
    const g = globalThis as unknown as PageGlobals;
    const transfer = new g.DataTransfer();
    transfer.items.add(new g.File([Uint8Array.from(bytes)], name, { type: "image/png" }));
    return transfer;
  }, [Array.from(dropped), "dropped.png"] as const);
  await page.dispatchEvent("#drop", "dragover", { dataTransfer: dragged });
  assert.match(await page.locator("#drop").getAttribute("class") ?? "", /\bover\b/, "the drop zone lights up under a drag");
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dragged });
  await resultsDone(1);
  assert.doesNotMatch(await page.locator("#drop").getAttribute("class") ?? "", /\bover\b/);
  // A paste event carrying a file, as the clipboard gives one to the page (Ctrl+V of a copied image).
  await page.evaluate(([bytes, name]) => {
    const g = globalThis as unknown as PageGlobals;
    const clipboard = new g.DataTransfer();
    clipboard.items.add(new g.File([Uint8Array.from(bytes)], name, { type: "image/png" }));
    g.document.dispatchEvent(new g.ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true }));
  }, [Array.from(pasted), "pasted.png"] as const);
  await resultsDone(2);
  // Newest first: the pasted card, then the dropped one.
  assert.deepEqual(await page.locator(".result h3").allTextContents(), ["pasted.png", "dropped.png"]);
  for (const [card, image, name] of [[0, pasted, "pasted"], [1, dropped, "dropped"]] as const) {
    const { labels } = await served(image, name);
    assert.deepEqual(classesOfColours(await pixelsOf("label", card), 4), Array.from(labels), `${name}: the label view shows the server's classes`);
  }
  await page.screenshot({ path: join(artifacts, "drop-paste.png"), fullPage: true });
});

test("overlay opacity: the slider's value blends the class colours over the image", async () => {
  await segmentPage();
  const image = await randomPng(40, 24, 41);
  await page.setInputFiles("#files", [{ name: "opacity.png", mimeType: "image/png", buffer: image }]);
  await resultsDone(1);
  const { labels } = await served(image, "opacity");
  const original = await pixelsOf("original");
  assert.deepEqual(await pixelsOf("overlay"), blended(original, labels, 0.5), "the default 0.5");
  for (const opacity of [0, 0.25, 1]) {
    await page.fill("#opacity", String(opacity));
    assert.deepEqual(await pixelsOf("overlay"), blended(original, labels, opacity), `opacity ${opacity}`);
  }
  assert.deepEqual(await pixelsOf("overlay"), Array.from(labels).flatMap((k) => [...CLASSES.palette[k], 255]), "opacity 1: the class colours alone");
  await page.fill("#opacity", "0");
  assert.deepEqual(await pixelsOf("overlay"), original, "opacity 0: the image alone");
});

test("downloads: the label PNG is the server's label map, the overlay PNG the overlay drawn", async () => {
  await segmentPage();
  const [width, height] = [36, 28];
  const image = await randomPng(width, height, 43);
  await page.setInputFiles("#files", [{ name: "street.png", mimeType: "image/png", buffer: image }]);
  await resultsDone(1);
  const { labelPng, labels } = await served(image, "download");

  const [labelDownload] = await Promise.all([page.waitForEvent("download"), page.click(".result >> text=label PNG")]);
  assert.equal(labelDownload.suggestedFilename(), "street_label.png");
  const labelFile = join(artifacts, "downloaded-label.png");
  await labelDownload.saveAs(labelFile);
  assert.deepEqual(readFileSync(labelFile), labelPng, "the server's label PNG, byte for byte");
  const decodedLabel = await sharp(labelFile).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decodedLabel.info.width, decodedLabel.info.height], [width, height]);
  assert.deepEqual(classesOfColours(decodedLabel.data, decodedLabel.info.channels), Array.from(labels), "decoded: the palette's colours of the server's classes");

  await page.fill("#opacity", "0.35");
  const [overlayDownload] = await Promise.all([page.waitForEvent("download"), page.click(".result >> text=overlay PNG")]);
  assert.equal(overlayDownload.suggestedFilename(), "street_overlay.png");
  const overlayFile = join(artifacts, "downloaded-overlay.png");
  await overlayDownload.saveAs(overlayFile);
  const decodedOverlay = await sharp(overlayFile).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decodedOverlay.info.width, decodedOverlay.info.height], [width, height]);
  const drawn = await pixelsOf("overlay");
  assert.deepEqual(Array.from(decodedOverlay.data), drawn, "the overlay as drawn");
  assert.deepEqual(drawn, blended(await pixelsOf("original"), labels, 0.35), "at the opacity chosen");
});

test("areas: the table's pixel counts are the server's label map's, and each bar's length is its share", async () => {
  await segmentPage();
  const image = await randomPng(44, 30, 47);
  await page.setInputFiles("#files", [{ name: "areas.png", mimeType: "image/png", buffer: image }]);
  await resultsDone(1);
  const { labels } = await served(image, "areas");
  const counts = CLASSES.classes.map((_, k) => Array.from(labels).filter((v) => v === k).length);
  assert.ok(counts.filter((n) => n > 0).length >= 2, `several classes (${counts})`);
  const rows = await page.locator(".result >> nth=0 >> table.areas tr").evaluateAll((trs: { cells: ArrayLike<{ textContent: string | null; querySelector(s: string): unknown }> }[]) =>
    trs.slice(1).map((tr) => {
      const bar = tr.cells[3].querySelector(".bar") as { getBoundingClientRect(): { width: number }; style: { background: string } };
      return { name: tr.cells[0].textContent, pixels: Number(tr.cells[1].textContent), percent: tr.cells[2].textContent, bar: bar.getBoundingClientRect().width, colour: bar.style.background };
    }));
  const expected = CLASSES.classes.map((name, k) => ({ name, pixels: counts[k], percent: (100 * (counts[k] / labels.length)).toFixed(1), bar: Math.round(150 * (counts[k] / labels.length)), colour: `rgb(${CLASSES.palette[k].join(", ")})` }));
  // Largest first; equal counts keep the classes' order (a stable sort).
  assert.deepEqual(rows, expected.sort((a, b) => b.pixels - a.pixels));
  await page.screenshot({ path: join(artifacts, "areas.png"), fullPage: true });
});

test("compare: two served models side by side, their disagreeing pixels marked in red with their share", async () => {
  await segmentPage();
  const [width, height] = [40, 30];
  const image = await randomPng(width, height, 21);
  const [a, b] = [(await served(image, "compare-a", "tiny")).labels, (await served(image, "compare-b", "tiny-b")).labels];
  const differing = Array.from({ length: width * height }, (_, p) => a[p] !== b[p]);
  const count = differing.filter(Boolean).length;
  assert.ok(count > 0 && count < width * height, `the two models disagree on some pixels but not all (${count})`);

  await page.selectOption("#compare", "tiny-b");
  await page.setInputFiles("#files", [{ name: "compare.png", mimeType: "image/png", buffer: image }]);
  await resultsDone(1);
  assert.equal(await page.locator(".result").getAttribute("data-disagreeing"), String(count));
  assert.match(await page.locator(".result .note").textContent() ?? "", new RegExp(`tiny-b disagrees on ${((100 * count) / (width * height)).toFixed(2)}% of pixels \\(${count} of ${width * height}\\)`));
  const marked = await pixelsOf("disagreement");
  const red = Array.from({ length: width * height }, (_, p) => marked.slice(4 * p, 4 * p + 3).join(",") === "255,0,64");
  assert.deepEqual(red, differing, "exactly the disagreeing pixels are red");
  // The second model's overlay is its own: hover over it names its class.
  const p = differing.indexOf(true);
  const [x, y] = [p % width, Math.floor(p / width)];
  assert.match(await hoverText("overlay-b", x, y, width, height), new RegExp(`^${CLASSES.classes[b[p]]} · `));
  assert.match(await hoverText("overlay", x, y, width, height), new RegExp(`^${CLASSES.classes[a[p]]} · `));
  await page.screenshot({ path: join(artifacts, "compare.png"), fullPage: true });
});

test("in-browser mode: the server's model as ONNX on onnxruntime-web in the page agrees with the server's labels", async () => {
  await segmentPage();
  const [width, height] = [64, 48];
  const image = await randomPng(width, height, 11);
  const { labels: expected, confidence } = await served(image, "in-browser");

  await page.check("#in-browser");
  await page.setInputFiles("#files", [{ name: "browser.png", mimeType: "image/png", buffer: image }]);
  await resultsDone(1);
  assert.match(await page.locator(".result .note").textContent() ?? "", /in the browser/);
  const got = classesOfColours(await pixelsOf("label"), 4);
  const agreeing = got.filter((k, p) => k === expected[p]).length;
  assert.ok(new Set(Array.from(expected)).size >= 2, "the model predicts several classes here");
  assert.ok(agreeing / expected.length >= 0.999, `labels agree on ${agreeing} of ${expected.length} pixels`);
  // The page's own softmax gives the server's confidence where the labels agree (within a percent:
  // float32 on the server, float64 here, each rounded to 1/255).
  for (const [x, y] of [[5, 5], [60, 40], [31, 17]]) {
    const p = y * width + x;
    if (got[p] !== expected[p]) continue;
    const [name, percent] = (await hoverText("label", x, y, width, height)).split(" · ");
    assert.equal(name, CLASSES.classes[expected[p]]);
    assert.ok(Math.abs(parseFloat(percent) - (100 * confidence[p]) / 255) <= 1, `hover at (${x}, ${y}): ${percent} vs ${confidence[p]}/255`);
  }
  await page.screenshot({ path: join(artifacts, "in-browser.png"), fullPage: true });
});

test("an exported .onnx (--with-preprocess --argmax) on the page's onnxruntime-web gives onnxruntime-node's class ids", async () => {
  const [height, width] = [48, 64];
  const { model } = loadModel(await loadRunConfig(files.config), files.checkpoint);
  const file = join(artifacts, "argmax.onnx");
  const preprocess = { mean: IMAGENET_MEAN as [number, number, number], std: IMAGENET_STD as [number, number, number] };
  exportModel(model, file, { format: "onnx", size: [height, width], modelType: "unet", preprocess, argmax: true });
  model.dispose();
  const rng = new Rng(5, 0);
  const pixels = Uint8Array.from({ length: height * width * 3 }, () => Math.floor(rng.uniform(0, 256)));

  const session = await ort.InferenceSession.create(file);
  const result = await session.run({ pixels: new ort.Tensor("uint8", pixels, [1, height, width, 3]) });
  await session.release();
  const expected = Array.from(result.labels.data as BigInt64Array, Number);
  assert.ok(new Set(expected).size >= 2, "the model predicts more than one class");

  // In the app's page: the onnxruntime-web the in-browser mode loads (its WebAssembly compiled once
  // for both checks when that mode ran first), loaded here otherwise.
  const got = await page.evaluate(async ([modelBytes, pixelBytes, h, w]) => {
    const g = globalThis as unknown as OrtPage;
    if (g.ort === undefined) {
      await new Promise((resolve, reject) => {
        const script = g.document.createElement("script");
        [script.src, script.onload, script.onerror] = ["ort/ort.wasm.min.js", resolve, reject];
        g.document.head.append(script);
      });
    }
    const runtime = g.ort!;
    // As the app sets them (the values are read when the WebAssembly starts, once per page).
    runtime.env.wasm.wasmPaths = new URL("ort/", g.location.href).href;
    runtime.env.wasm.numThreads = 1;
    const onnx = await runtime.InferenceSession.create(Uint8Array.from(modelBytes), { executionProviders: ["wasm"] });
    const out = await onnx.run({ [onnx.inputNames[0]]: new runtime.Tensor("uint8", Uint8Array.from(pixelBytes), [1, h, w, 3]) });
    const labels = out[onnx.outputNames[0]];
    await onnx.release();
    return { dims: labels.dims, labels: Array.from(labels.data, Number) };
  }, [Array.from(readFileSync(file)), Array.from(pixels), height, width] as const);
  assert.deepEqual(got.dims, [1, height, width]);
  const agreeing = got.labels.filter((k, p) => k === expected[p]).length;
  assert.ok(agreeing / expected.length >= 0.999, `labels agree on ${agreeing} of ${expected.length} pixels`);
});

test("evaluate: the page's metrics and confusion-matrix heatmap over two folders equal segkit eval's", async () => {
  const [pred, gt] = [join(artifacts, "pred"), join(artifacts, "gt")];
  mkdirSync(pred);
  mkdirSync(gt);
  const rng = new Rng(3, 0);
  const palette = [...CLASSES.palette];
  for (const name of ["a.png", "b.png", "c.png"]) {
    const [w, h] = [30, 20];
    const truth = Uint8Array.from({ length: w * h }, () => Math.floor(rng.uniform(0, 3)));
    const guess = truth.map((v) => (rng.uniform(0, 1) < 0.3 ? Math.floor(rng.uniform(0, 3)) : v));
    writeFileSync(join(pred, name), encodeLabelPng(guess, w, h, palette));
    // 255 marks ignored ground truth, written as 8-bit grey as datasets ship it
    const withIgnore = truth.map((v, p) => (p % 17 === 0 ? 255 : v));
    writeFileSync(join(gt, name), encodeLabelPng(withIgnore, w, h, GREY_PALETTE));
  }
  const { matrix, images } = await evaluateFolders({ pred, gt, classes: 3, ignoreIndex: 255 });
  const expected = { images, pixels: matrix.counts.reduce((a, b) => a + b, 0), ...summaryJSON(summarize(matrix, "mmseg")) };

  await page.click("nav button[data-page=evaluate]");
  await page.setInputFiles("#eval-pred", pred);
  await page.setInputFiles("#eval-gt", gt);
  await page.fill("#eval-classes", "3");
  await page.fill("#eval-ignore", "255");
  await page.click("#eval-run");
  await page.waitForSelector("#eval-output[data-state=done], #eval-output[data-state=failed]", { timeout: 10_000 });
  const got = JSON.parse((await page.locator("#eval-json").textContent({ timeout: 2000 })) ?? "null");
  assert.deepEqual(got, JSON.parse(JSON.stringify(expected)));

  // The heatmap: a cell per (ground truth, prediction) pair, its count on hover, its row's share as
  // text and as the shade's alpha.
  const cells = await page.locator("table.heatmap tr").evaluateAll((trs: { cells: ArrayLike<{ title: string; textContent: string | null; style: { background: string } }> }[]) =>
    trs.slice(1).map((tr) => Array.from(tr.cells).slice(1).map((c) => ({ title: c.title, text: c.textContent, background: c.style.background }))));
  const k = matrix.numClasses;
  assert.deepEqual(cells.map((row) => row.length), [k, k, k]);
  assert.ok(matrix.counts.some((n, i) => n > 0 && i % (k + 1) !== 0), "some pixels are confused");
  for (let i = 0; i < k; i++) {
    const total = matrix.counts.slice(i * k, (i + 1) * k).reduce((a, b) => a + b, 0);
    for (let j = 0; j < k; j++) {
      const count = matrix.counts[i * k + j];
      const share = count / total;
      assert.equal(cells[i][j].title, `ground truth ${i}, predicted ${j}: ${count} pixels`);
      assert.equal(cells[i][j].text, count > 0 ? (100 * share).toFixed(0) : "", `cell (${i}, ${j})`);
      assert.match(cells[i][j].background, /^rgba\(21, 101, 192, ([\d.]+)\)$/);
      // Chromium keeps a colour's alpha in 8 bits.
      assert.ok(Math.abs(Number(/([\d.]+)\)$/.exec(cells[i][j].background)![1]) - share) <= 1 / 255, `cell (${i}, ${j}): shade ${cells[i][j].background} for ${share}`);
    }
  }
  await page.screenshot({ path: join(artifacts, "evaluate.png"), fullPage: true });
});

// Last: it reloads the page.
test("segkit train's dashboard feed reaches the Training page live: steps, lr, validation mIoU and per-class IoU", async () => {
  // `segkit train --serve` links to #training: the page opens on it.
  await page.goto(`${address}/#training`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]", { timeout: 10_000 });
  assert.equal(await page.locator("#page-training").isVisible(), true);

  // Mid-run, the page must already show iteration 3: the update is live, not a replay at the end.
  let seenMidRun = "";
  let samplesChecked = 0;
  const watcher: Hook = {
    name: "test_watcher",
    // After the feed published its samples (afterValMetrics, before any afterVal): they are the model's predictions now,
    // and the page shows them as overlays of the image it decoded.
    async afterVal(run: TrainRun) {
      if (run.iteration !== 3) return;
      const event = feed.history.find((e) => e.kind === "samples") as Extract<TrainingEvent, { kind: "samples" }>;
      assert.equal(event.iteration, 3);
      assert.equal(event.samples.length, 3, "the first three validation images");
      const dataset = build<Dataset>("dataset", run.config.data.val.dataset);
      run.model.eval();
      for (const [i, sample] of event.samples.entries()) {
        const image = await dataset.raw(i);
        const expected = Array.from(predictLabels(run.model, image, predictionPipeline(run.config.data.val.pipeline), run.config.test));
        assert.deepEqual(await labelsOf(sample.predictionPng, `dashboard-prediction-${i}.png`), expected, `sample ${i}: the model's prediction`);
        assert.deepEqual(await labelsOf(sample.truthPng, `dashboard-truth-${i}.png`), Array.from(image.label, (k) => Math.min(k, 5)), `sample ${i}: its ground truth (ignored: 5, past the classes)`);
        await page.waitForSelector("#val-samples[data-iteration='3']", { timeout: 10_000 });
        const row = page.locator("#val-samples .views").nth(i);
        const [shown, overlay] = await Promise.all(["image", "prediction"].map((view) => row.locator(`canvas[data-view=${view}]`).evaluate((canvas: CanvasLike) =>
          Array.from(canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data))));
        const blended = shown.map((v, j) => (j % 4 === 3 ? 255 : Math.round(0.5 * v + 0.5 * event.palette[expected[j >> 2]][j % 4])));
        assert.deepEqual(overlay, blended, `sample ${i}: the page's prediction overlay`);
        samplesChecked++;
      }
      run.model.train();
    },
    async afterTrainIter(run: TrainRun) {
      if (run.iteration !== 4) return;
      await page.waitForSelector("#train-status[data-iteration='4']", { timeout: 10_000 });
      seenMidRun = (await page.locator("#train-status").textContent()) ?? "";
    },
  };
  const dataset = { type: "synthetic", length: 4, size: [32, 32], seed: 1 };
  const config = runConfig({
    model: { type: "unet", numClasses: 5, widths: [4, 8] },
    data: { train: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 }, val: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 } },
    optimizer: { type: "adamw", lr: 0.01 },
    train: { iters: 6, valInterval: 3, checkpointInterval: 6, logInterval: 3, seed: 1, threads: 1 },
  } as never);
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);
  await train(config, { workDir: join(artifacts, "run"), progress: quiet, hooks: [feed, watcher] });

  assert.match(seenMidRun, /^iteration 4 \/ 6: loss [\d.]+, lr [\d.e+-]+; mIoU [\d.]+ at 3$/);
  await page.waitForSelector("#train-status[data-iteration='6']", { timeout: 10_000 });
  assert.equal(samplesChecked, 3);
  await page.waitForSelector("#val-samples[data-iteration='6']", { timeout: 10_000 });
  assert.equal(feed.history.filter((e) => e.kind === "samples").length, 1, "only the latest samples are kept");
  assert.equal(await page.locator("#train-status").getAttribute("data-events"), String(feed.history.filter((e) => e.kind !== "samples").length));
  assert.equal(feed.history.filter((e) => e.kind === "val").length, 2);
  assert.equal(await page.locator("#class-iou tr").count(), 1 + 5, "one IoU bar per class");
  await page.screenshot({ path: join(artifacts, "dashboard.png"), fullPage: true });
});
