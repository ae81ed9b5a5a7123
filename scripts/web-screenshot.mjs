#!/usr/bin/env node
// Writes the README's screenshot (docs/web-segment.png): `segkit serve camvid_enet` (the model zoo's
// weights) with the web app's Segment page showing a street image, in headless Chromium.
// Usage: node scripts/web-screenshot.mjs IMAGE [OUT]   (IMAGE: e.g. a CamVid val image)
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { chromium } from "playwright-core";
import sharp from "sharp";
import { WEB_DIR } from "../packages/segkit/dist/src/cli/serve.js";
import { ModelHost } from "../packages/segkit/dist/src/serve/model-host.js";
import { buildServer } from "../packages/segkit/dist/src/serve/server.js";

const [image, out = new URL("../docs/web-segment.png", import.meta.url).pathname] = process.argv.slice(2);
if (!image) throw new Error("usage: node scripts/web-screenshot.mjs IMAGE [OUT]");
const host = await ModelHost.start({ name: "camvid_enet", config: "camvid_enet", engine: "libtorch", threads: 1 }, { workers: 1, queued: 4, timeoutMs: 60_000 });
const app = await buildServer({ hosts: [host], bodyLimit: 8 << 20, maxPixels: 1 << 22, webDir: WEB_DIR });
const address = await app.listen({ port: 0, host: "127.0.0.1" });
// A first request warms the model up: the page then shows a typical time.
await app.inject({ method: "POST", url: "/v1/segment", headers: { "content-type": "image/png" }, payload: readFileSync(image) });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
try {
  const page = await browser.newPage({ viewport: { width: 1060, height: 640 } });
  await page.goto(`${address}/`);
  await page.waitForSelector("body[data-ready=true]");
  await page.setInputFiles("#files", [{ name: basename(image), mimeType: "image/png", buffer: readFileSync(image) }]);
  await page.waitForSelector(".result[data-state=done]", { timeout: 60_000 });
  const shot = await page.screenshot({ fullPage: true });
  // A palette PNG keeps the file small (the page has few colours besides the photo).
  const { size } = await sharp(shot).png({ palette: true, colours: 256, effort: 10 }).toFile(out);
  if (size >= 300 * 1024) throw new Error(`${out}: ${size} bytes, over the README's 300 KB`);
  console.log(`wrote ${out} (${size} bytes)`);
} finally {
  await browser.close();
  await app.close();
}
