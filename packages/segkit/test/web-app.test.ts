// The web app (packages/web, built by scripts/setup) served by `segkit serve` at /, driven in
// headless Chromium (Debian's, through playwright-core): images uploaded → overlay, label view and
// legend appear; unticking a class takes its colour off the overlay; the Evaluate page's metrics
// equal `segkit eval --json`'s on the same files. Screenshots go to the OS temp dir (path printed).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { summarize, summaryJSON } from "@segkit/metrics";
import type { FastifyInstance } from "fastify";
import { chromium, type Browser, type Page } from "playwright-core";
import { WEB_DIR } from "../src/cli/serve.js";
import { evaluateFolders } from "../src/cli/eval.js";
import { Rng } from "../src/data/rng.js";
import { encodeLabelPng, GREY_PALETTE } from "../src/io/label-png-writer.js";
import { readLabelPng } from "../src/io/label-png.js";
import { buildServer } from "../src/serve/server.js";
import { CLASSES, randomPng, startHost, tinyModel } from "./serve-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const DOCS_SCREENSHOT = fileURLToPath(new URL("../../../../docs/web-segment.png", import.meta.url));
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const files = tinyModel();
const otherFiles = tinyModel({}, [{ type: "normalize" }], 1);
const artifacts = mkdtempSync(join(tmpdir(), "segkit-web-app-"));
let app: FastifyInstance;
let address: string;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(join(WEB_DIR, "index.html")), `${WEB_DIR} is not built: scripts/setup runs npm run build -w @segkit/web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
  app = await buildServer({ hosts: await Promise.all([startHost("tiny", files), startHost("tiny-b", otherFiles)]), bodyLimit: 1 << 20, maxPixels: 1 << 20, webDir: WEB_DIR });
  address = await app.listen({ port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  console.log(`web app screenshots: ${artifacts}`);
});
after(async () => {
  await browser?.close();
  await app?.close();
  rmSync(files.dir, { recursive: true, force: true });
  rmSync(otherFiles.dir, { recursive: true, force: true });
});

async function openApp(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${address}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 10_000 });
  return { page, errors };
}

/** What the page's canvases give, declared here (the tests compile without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** The tooltip's text with the mouse over pixel (x, y) of the first result card's `view` canvas. */
async function hoverText(page: Page, view: string, x: number, y: number, width: number, height: number): Promise<string> {
  const box = (await page.locator(`.result >> nth=0 >> canvas[data-view=${view}]`).boundingBox())!;
  await page.mouse.move(box.x + ((x + 0.5) / width) * box.width, box.y + ((y + 0.5) / height) * box.height);
  return (await page.locator("#tooltip").textContent()) ?? "";
}

/** What hover must say at pixel p: the class and its confidence in percent. */
const hoverExpected = (labels: ArrayLike<number>, confidence: ArrayLike<number>, p: number) => `${CLASSES.classes[labels[p]]} · ${((100 * confidence[p]) / 255).toFixed(0)}%`;

/** RGBA bytes of the canvas showing `view` in the first result card. */
function pixelsOf(page: Page, view: string): Promise<number[]> {
  return page.locator(`.result >> nth=0 >> canvas[data-view=${view}]`).evaluate((canvas: CanvasLike) =>
    Array.from(canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data));
}

test("segment: two images uploaded → overlay, label and legend; unticking a class takes it off the overlay", async () => {
  const [width, height] = [48, 32];
  const image = await randomPng(width, height, 5);
  const { page, errors } = await openApp();
  assert.deepEqual(await page.locator("#legend label").allTextContents(), CLASSES.classes);
  assert.match(await page.locator("#sam-state").textContent() ?? "", /SAM: not served/);
  await page.setInputFiles("#files", [
    { name: "first.png", mimeType: "image/png", buffer: image },
    { name: "second.png", mimeType: "image/png", buffer: await randomPng(20, 20, 9) },
  ]);
  await page.waitForFunction('document.querySelectorAll(".result[data-state=done]").length === 2', undefined, { timeout: 20_000 });
  assert.equal(await page.locator(".result[data-state=failed]").count(), 0);
  await page.screenshot({ path: join(artifacts, "segment.png"), fullPage: true });

  // The server's labels for the same image say which pixels each class covers.
  const served = await app.inject({ method: "POST", url: "/v1/segment?confidence=true", headers: { "content-type": "image/png" }, payload: image });
  writeFileSync(join(artifacts, "label.png"), Buffer.from(served.json().labelPng, "base64"));
  writeFileSync(join(artifacts, "confidence.png"), Buffer.from(served.json().confidencePng, "base64"));
  const labels = (await readLabelPng(join(artifacts, "label.png"))).data;
  const confidence = (await readLabelPng(join(artifacts, "confidence.png"))).data;
  const counts = CLASSES.classes.map((_, k) => labels.filter((v) => v === k).length);
  const hidden = counts.indexOf(Math.max(...counts));
  const card = page.locator(".result", { hasText: "first.png" });
  await card.evaluate((element: { parentElement: { prepend(e: unknown): void } | null }) => element.parentElement!.prepend(element));
  // Hover names the class and the server's confidence at the pixel under the mouse.
  for (const [x, y] of [[3, 4], [40, 27], [17, 9]]) {
    assert.equal(await hoverText(page, "overlay", x, y, width, height), hoverExpected(labels, confidence, y * width + x), `hover at (${x}, ${y})`);
  }
  assert.ok(new Set([3 + 4 * width, 40 + 27 * width, 17 + 9 * width].map((p) => confidence[p])).size > 1, "the hovered pixels differ in confidence");
  const original = await pixelsOf(page, "original");
  const before = await pixelsOf(page, "overlay");
  const covered = (pixels: number[], k: number) => [...labels.keys()].filter((p) => labels[p] === k).map((p) => pixels.slice(4 * p, 4 * p + 3).join(","));
  assert.notDeepEqual(covered(before, hidden), covered(original, hidden), "the class is coloured on the overlay");

  await page.locator(`#legend label[data-class="${CLASSES.classes[hidden]}"] input`).uncheck();
  const afterToggle = await pixelsOf(page, "overlay");
  assert.deepEqual(covered(afterToggle, hidden), covered(original, hidden), "unticked: its pixels show the image");
  assert.ok(counts.filter((n) => n > 0).length >= 2, `the model predicts several classes (${counts})`);
  for (const k of CLASSES.classes.keys()) {
    if (k !== hidden && counts[k] > 0) assert.deepEqual(covered(afterToggle, k), covered(before, k), `class ${k} stays coloured`);
  }
  assert.equal(await page.locator(".result >> nth=0 >> table.areas tr").count(), CLASSES.classes.length + 1);
  await page.screenshot({ path: join(artifacts, "segment-class-hidden.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/** The server's class ids for the image from `model`. */
async function servedLabels(image: Buffer, model: string, name: string): Promise<ArrayLike<number>> {
  const served = await app.inject({ method: "POST", url: `/v1/segment?model=${model}&format=label`, headers: { "content-type": "image/png" }, payload: image });
  writeFileSync(join(artifacts, name), served.rawPayload);
  return (await readLabelPng(join(artifacts, name))).data;
}

test("compare: two served models side by side, their disagreeing pixels marked in red with their share", async () => {
  const [width, height] = [40, 30];
  const image = await randomPng(width, height, 21);
  const [a, b] = [await servedLabels(image, "tiny", "compare-a.png"), await servedLabels(image, "tiny-b", "compare-b.png")];
  const differing = Array.from({ length: width * height }, (_, p) => a[p] !== b[p]);
  const count = differing.filter(Boolean).length;
  assert.ok(count > 0 && count < width * height, `the two models disagree on some pixels but not all (${count})`);

  const { page, errors } = await openApp();
  await page.selectOption("#compare", "tiny-b");
  await page.setInputFiles("#files", [{ name: "compare.png", mimeType: "image/png", buffer: image }]);
  await page.waitForSelector(".result[data-state=done], .result[data-state=failed]", { timeout: 20_000 });
  assert.equal(await page.locator(".result[data-state=failed]").count(), 0, await page.locator(".result .error").allTextContents().then((t) => t.join("; ")));
  assert.equal(await page.locator(".result").getAttribute("data-disagreeing"), String(count));
  assert.match(await page.locator(".result .note").textContent() ?? "", new RegExp(`tiny-b disagrees on ${((100 * count) / (width * height)).toFixed(2)}% of pixels \\(${count} of ${width * height}\\)`));
  const marked = await pixelsOf(page, "disagreement");
  const red = Array.from({ length: width * height }, (_, p) => marked.slice(4 * p, 4 * p + 3).join(",") === "255,0,64");
  assert.deepEqual(red, differing, "exactly the disagreeing pixels are red");
  // The second model's overlay is its own: hover over it names its class.
  const p = differing.indexOf(true);
  const [x, y] = [p % width, Math.floor(p / width)];
  assert.match(await hoverText(page, "overlay-b", x, y, width, height), new RegExp(`^${CLASSES.classes[b[p]]} · `));
  assert.match(await hoverText(page, "overlay", x, y, width, height), new RegExp(`^${CLASSES.classes[a[p]]} · `));
  // The README's screenshot: this page as it is now (SEGKIT_DOCS_SCREENSHOT=1 rewrites the committed one).
  const docsShot = process.env.SEGKIT_DOCS_SCREENSHOT === "1" ? DOCS_SCREENSHOT : join(artifacts, "compare.png");
  await page.setViewportSize({ width: 1180, height: 760 });
  await page.screenshot({ path: docsShot });
  assert.ok(statSync(DOCS_SCREENSHOT).size < 200 * 1024, `${DOCS_SCREENSHOT} is the README's screenshot, under 200 KB`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("in-browser mode: the server's model as ONNX on onnxruntime-web in the page agrees with the server's labels", async () => {
  const [width, height] = [64, 48];
  const image = await randomPng(width, height, 11);
  const served = (await app.inject({ method: "POST", url: "/v1/segment?confidence=true", headers: { "content-type": "image/png" }, payload: image })).json();
  writeFileSync(join(artifacts, "served-label.png"), Buffer.from(served.labelPng, "base64"));
  writeFileSync(join(artifacts, "served-confidence.png"), Buffer.from(served.confidencePng, "base64"));
  const expected = (await readLabelPng(join(artifacts, "served-label.png"))).data;
  const confidence = (await readLabelPng(join(artifacts, "served-confidence.png"))).data;

  const { page, errors } = await openApp();
  await page.check("#in-browser");
  await page.setInputFiles("#files", [{ name: "browser.png", mimeType: "image/png", buffer: image }]);
  await page.waitForSelector(".result[data-state=done], .result[data-state=failed]", { timeout: 25_000 });
  assert.equal(await page.locator(".result[data-state=failed]").count(), 0, await page.locator(".result .error").allTextContents().then((t) => t.join("; ")));
  assert.match(await page.locator(".result .note").textContent() ?? "", /in the browser/);
  const rgba = await pixelsOf(page, "label");
  const colourKey = (c: number[]) => c.join(",");
  const classOf = new Map(CLASSES.palette.map((c, k) => [colourKey(c), k]));
  const got = Array.from({ length: width * height }, (_, p) => classOf.get(colourKey(rgba.slice(4 * p, 4 * p + 3))));
  const agreeing = got.filter((k, p) => k === expected[p]).length;
  assert.ok(new Set(expected).size >= 2, "the model predicts several classes here");
  assert.ok(agreeing / expected.length >= 0.999, `labels agree on ${agreeing} of ${expected.length} pixels`);
  // The page's own softmax gives the server's confidence where the labels agree (within a percent:
  // float32 on the server, float64 here, each rounded to 1/255).
  for (const [x, y] of [[5, 5], [60, 40], [31, 17]]) {
    const p = y * width + x;
    if (got[p] !== expected[p]) continue;
    const [name, percent] = (await hoverText(page, "label", x, y, width, height)).split(" · ");
    assert.equal(name, CLASSES.classes[expected[p]]);
    assert.ok(Math.abs(parseFloat(percent) - (100 * confidence[p]) / 255) <= 1, `hover at (${x}, ${y}): ${percent} vs ${confidence[p]}/255`);
  }
  await page.screenshot({ path: join(artifacts, "in-browser.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("evaluate: the page's metrics over two folders equal segkit eval's", async () => {
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

  const { page, errors } = await openApp();
  await page.click("nav button[data-page=evaluate]");
  await page.setInputFiles("#eval-pred", pred);
  await page.setInputFiles("#eval-gt", gt);
  await page.fill("#eval-classes", "3");
  await page.fill("#eval-ignore", "255");
  await page.click("#eval-run");
  await page.waitForSelector("#eval-output[data-state=done], #eval-output[data-state=failed]", { timeout: 10_000 });
  const got = JSON.parse((await page.locator("#eval-json").textContent({ timeout: 2000 })) ?? "null");
  assert.deepEqual(got, JSON.parse(JSON.stringify(expected)));
  await page.screenshot({ path: join(artifacts, "evaluate.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
