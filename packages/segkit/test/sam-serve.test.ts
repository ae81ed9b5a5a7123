// Interactive SAM over HTTP (src/serve/sam-routes.ts, sam-worker.ts) with the reduced SAM of the
// parity fixture (the reference's weights): an image is encoded once and cached; clicks then give the
// reference SamPredictor's masks and IoU predictions; "segment everything" gives a consistent map;
// bad prompts are 400s naming the parameter, unknown models and images 404s; the worker runs the
// onnxruntime prompt decoder (serve's default), and a bad --sam-decoder is refused. The web app's SAM page
// in headless Chromium: a click draws the reference's best mask, a drag a box's, and "segment
// everything" the generator's masks.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { chromium } from "playwright-core";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { Command } from "commander";
import { registerServe, WEB_DIR } from "../src/cli/serve.js";
import { readLabelPng } from "../src/io/label-png.js";
import { ModelHost } from "../src/serve/model-host.js";
import { buildServer } from "../src/serve/server.js";
import { SAM_REDUCED_PTH, samGolden } from "./fixtures/sam_fixture.js";
import { LIMITS } from "./serve-fixture.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-sam-serve-"));
const image = samGolden.tensors.get("image")!;
const [height, width] = image.shape;
const picture = await sharp(Buffer.from(image.toTypedArray() as Uint8Array), { raw: { width, height, channels: 3 } }).png().toBuffer();
let app: FastifyInstance;

before(async () => {
  const sam = await ModelHost.start({ name: "sam", config: "", checkpoint: SAM_REDUCED_PTH, engine: "libtorch", threads: 1, sam: { decoderHeads: 4, decoder: "onnxruntime" } }, LIMITS);
  app = await buildServer({ hosts: [], samHosts: [sam], bodyLimit: 1 << 20, maxPixels: 1 << 20, webDir: WEB_DIR });
});
after(async () => {
  await app?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function pngLabels(base64: string, name: string): Promise<number[]> {
  writeFileSync(join(tmp, name), Buffer.from(base64, "base64"));
  return Array.from((await readLabelPng(join(tmp, name))).data);
}

const embed = () => app.inject({ method: "POST", url: "/v1/sam/images", headers: { "content-type": "image/png" }, payload: picture });

test("an image is encoded once; a click gives the reference's masks and IoU predictions from the cached embedding", async () => {
  const first = await embed();
  assert.equal(first.statusCode, 200, first.body);
  const { image: key, cached } = first.json();
  assert.deepEqual([first.json().width, first.json().height, cached], [width, height, false]);
  const again = await embed();
  assert.deepEqual([again.json().image, again.json().cached], [key, true], "the same image is not encoded twice");
  assert.deepEqual((await app.inject("/v1/models")).json().sam, [{ name: "sam" }]);
  assert.deepEqual((await app.inject("/readyz")).json(), { status: "ready", models: [], sam: ["sam"] });

  const response = await app.inject(`/v1/sam/masks?image=${key}&points=10,10`);
  assert.equal(response.statusCode, 200, response.body);
  const masks = response.json().masks as { predictedIou: number; area: number; png: string }[];
  const ious = samGolden.tensors.get("point.iou")!.toArray();
  const expected = torch.tidy(() => samGolden.tensors.get("point.masks")!.gt(0).to("uint8").toTypedArray()) as Uint8Array;
  assert.equal(masks.length, 3);
  for (const [i, m] of masks.entries()) {
    assert.ok(Math.abs(m.predictedIou - ious[i]) <= 1e-4, `mask ${i}: IoU ${m.predictedIou} vs ${ious[i]}`);
    const got = await pngLabels(m.png, `mask-${i}.png`);
    assert.deepEqual(got, Array.from(expected.subarray(i * width * height, (i + 1) * width * height)), `mask ${i}`);
    assert.equal(m.area, got.filter((v) => v === 1).length);
  }
  const single = (await app.inject(`/v1/sam/masks?image=${key}&points=70,50;10,10,0&box=52,32,88,68&multimask=false`)).json();
  assert.equal(single.masks.length, 1);
  assert.ok(Math.abs(single.masks[0].predictedIou - samGolden.tensors.get("box_points.iou")!.toArray()[0]) <= 1e-4);
});

test("segment everything: one label PNG whose pixels name the masks, with the masks' areas and scores", async () => {
  const { image: key } = (await embed()).json();
  // The fixture's lowered thresholds: the reduced model's random weights are not confident.
  const response = await app.inject(`/v1/sam/everything?image=${key}&pointsPerSide=8&predIouThresh=0.2&stabilityThresh=0.15`);
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json() as { masks: { area: number; predictedIou: number }[]; labelPng: string };
  assert.ok(body.masks.length >= 1, "some masks");
  const map = await pngLabels(body.labelPng, "everything.png");
  assert.equal(map.length, width * height);
  assert.ok(Math.max(...map) <= body.masks.length);
  // A mask shows on at most its own area (smaller masks drawn over larger ones).
  for (const [i, m] of body.masks.entries()) assert.ok(map.filter((v) => v === i + 1).length <= m.area, `mask ${i}`);
});

test("bad input: unknown model or image 404, malformed or outside prompts 400 naming the parameter", async () => {
  const { image: key } = (await embed()).json();
  const cases: [string, number, RegExp][] = [
    [`/v1/sam/masks?model=nope&image=${key}&points=1,1`, 404, /^model: no SAM model "nope"/],
    ["/v1/sam/masks?image=0123&points=1,1", 404, /^image: "0123" is not/],
    [`/v1/sam/masks?image=${key}&points=10`, 400, /^points\[0\]: expected x,y or x,y,label, got "10"/],
    [`/v1/sam/masks?image=${key}&points=1,1;a,2`, 400, /^points\[1\]: expected/],
    [`/v1/sam/masks?image=${key}&points=10,10,2`, 400, /^points\[0\]: the label must be 1/],
    [`/v1/sam/masks?image=${key}&points=500,10`, 400, /^points\[0\]: \(500, 10\) is outside the 96×72 image/],
    [`/v1/sam/masks?image=${key}&box=1,2,3`, 400, /^box: expected x0,y0,x1,y1/],
    [`/v1/sam/masks?image=${key}&box=50,10,20,30`, 400, /^box: x0 < x1 and y0 < y1/],
    [`/v1/sam/masks?image=${key}&box=10,10,200,30`, 400, /^box \(bottom right\): \(200, 30\) is outside/],
    [`/v1/sam/masks?image=${key}`, 400, /^points, box: give clicks/],
    ["/v1/sam/masks?points=1,1", 400, /image/],
    [`/v1/sam/everything?image=${key}&pointsPerSide=0`, 400, /pointsPerSide/],
  ];
  for (const [url, status, message] of cases) {
    const response = await app.inject(url);
    assert.equal(response.statusCode, status, `${url}: ${response.body}`);
    assert.match(response.json().error, message, url);
  }
  const notImage = await app.inject({ method: "POST", url: "/v1/sam/images", headers: { "content-type": "image/png" }, payload: Buffer.from("not a png") });
  assert.equal(notImage.statusCode, 415);
  assert.equal((await app.inject({ method: "POST", url: "/v1/sam/images?model=nope", headers: { "content-type": "image/png" }, payload: picture })).statusCode, 404);
});

test("segkit serve --sam-decoder takes libtorch or onnxruntime only", async () => {
  const program = new Command("segkit").exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerServe(program);
  await assert.rejects(program.parseAsync(["serve", "demo_synthetic", "--sam", `sam=${SAM_REDUCED_PTH}`, "--sam-decoder", "tvm"], { from: "user" }),
    /option '--sam-decoder <backend>' argument 'tvm' is invalid\. Allowed choices are libtorch, onnxruntime/);
});

/** What the page's canvas gives, declared here (the tests compile without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

test("the SAM page: a click draws the best mask of the reference's three, a drag prompts a box, segment everything colours the masks", async () => {
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${address}/`);
    await page.waitForSelector("#nav-sam:not([hidden])", { timeout: 10_000 });
    assert.match(await page.locator("#sam-state").textContent() ?? "", /SAM: sam served/);
    await page.click("#nav-sam");
    await page.setInputFiles("#sam-file", [{ name: "shapes.png", mimeType: "image/png", buffer: picture }]);
    await page.waitForSelector("#page-sam[data-state=ready], #page-sam[data-state=failed]", { timeout: 10_000 });
    const canvas = page.locator("#sam-canvas");
    const box = (await canvas.boundingBox())!;
    const at = (x: number, y: number): [number, number] => [box.x + ((x + 0.5) / width) * box.width, box.y + ((y + 0.5) / height) * box.height];
    const pixels = () => canvas.evaluate((c: CanvasLike) => Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data));
    const shown = await pixels();

    await page.mouse.click(...at(10, 10));
    await page.waitForSelector("#page-sam[data-state=masked], #page-sam[data-state=failed]", { timeout: 10_000 });
    assert.match(await page.locator("#sam-note").textContent() ?? "", /\(best of 3\); 1 point\(s\)$/);
    const ious = samGolden.tensors.get("point.iou")!.toArray();
    const best = ious.indexOf(Math.max(...ious));
    const expected = torch.tidy(() => samGolden.tensors.get("point.masks")!.gt(0).to("uint8").toTypedArray()) as Uint8Array;
    const mask = expected.subarray(best * width * height, (best + 1) * width * height);
    const drawn = await pixels();
    const tinted = (p: number) => [0, 1, 2].some((ch) => drawn[4 * p + ch] !== shown[4 * p + ch]);
    // Away from the point's marker (3×3 around it), a pixel is tinted exactly where the mask is.
    const far = [...mask.keys()].filter((p) => Math.abs((p % width) - 10) > 1 || Math.abs(Math.floor(p / width) - 10) > 1);
    assert.ok(mask.some(Boolean) && !mask.every(Boolean), "the mask is neither empty nor full");
    assert.deepEqual(far.map(tinted), far.map((p) => mask[p] === 1), "the best mask is drawn");

    await page.click("#sam-clear");
    await page.mouse.move(...at(52, 32));
    await page.mouse.down();
    await page.mouse.move(...at(88, 68), { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector("#page-sam[data-state=masked]", { timeout: 10_000 });
    assert.match(await page.locator("#sam-note").textContent() ?? "", /0 point\(s\), a box/);

    await page.fill("#sam-iou", "0.2");
    await page.fill("#sam-stability", "0.15");
    await page.click("#sam-everything");
    await page.waitForSelector("#page-sam[data-state=everything], #page-sam[data-state=failed]", { timeout: 20_000 });
    const { image: key } = (await embed()).json();
    const everything = (await app.inject(`/v1/sam/everything?image=${key}&predIouThresh=0.2&stabilityThresh=0.15`)).json();
    assert.equal(await page.locator("#sam-note").textContent(), `${everything.masks.length} masks`);
    await page.screenshot({ path: join(tmp, "sam.png") });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
