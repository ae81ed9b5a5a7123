// The training dashboard: a run with the dashboard feed (what `segkit train --serve` adds) streams
// its steps and validations by Server-Sent Events to the web app's Training page in headless
// Chromium, which shows them while the run is still going, and with each validation the model's
// predictions on the first validation images. Screenshot in the OS temp dir.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { chromium } from "playwright-core";
import { WEB_DIR } from "../src/cli/serve.js";
import { build } from "../src/config/registry.js";
import type { Dataset } from "../src/data/types.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { readLabelPng } from "../src/io/label-png.js";
import type { Hook, TrainRun } from "../src/engine/hooks/hook.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { buildServer } from "../src/serve/server.js";
import { TrainingFeed, type TrainingEvent } from "../src/serve/training-feed.js";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const tmp = mkdtempSync(join(tmpdir(), "segkit-web-dashboard-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What the page's canvases give, declared here (the tests compile without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Class ids of a base64 label PNG. */
async function labelsOf(png: string, name: string): Promise<number[]> {
  const file = join(tmp, name);
  writeFileSync(file, Buffer.from(png, "base64"));
  return Array.from((await readLabelPng(file)).data);
}

test("segkit train's dashboard feed reaches the Training page live: steps, lr, validation mIoU and per-class IoU", async (t) => {
  const feed = new TrainingFeed();
  const app = await buildServer({ hosts: [], training: feed, bodyLimit: 1 << 20, maxPixels: 1 << 20, webDir: WEB_DIR });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${address}/#training`);
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
          assert.deepEqual(await labelsOf(sample.predictionPng, `prediction-${i}.png`), expected, `sample ${i}: the model's prediction`);
          assert.deepEqual(await labelsOf(sample.truthPng, `truth-${i}.png`), Array.from(image.label, (k) => Math.min(k, 5)), `sample ${i}: its ground truth (ignored: 5, past the classes)`);
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
    await train(config, { workDir: join(tmp, "run"), progress: quiet, hooks: [feed, watcher] });

    assert.match(seenMidRun, /^iteration 4 \/ 6: loss [\d.]+, lr [\d.e+-]+; mIoU [\d.]+ at 3$/);
    await page.waitForSelector("#train-status[data-iteration='6']", { timeout: 10_000 });
    assert.equal(samplesChecked, 3);
    await page.waitForSelector("#val-samples[data-iteration='6']", { timeout: 10_000 });
    assert.equal(feed.history.filter((e) => e.kind === "samples").length, 1, "only the latest samples are kept");
    assert.equal(await page.locator("#train-status").getAttribute("data-events"), String(feed.history.filter((e) => e.kind !== "samples").length));
    assert.equal(feed.history.filter((e) => e.kind === "val").length, 2);
    assert.equal(await page.locator("#class-iou tr").count(), 1 + 5, "one IoU bar per class");
    const screenshot = join(tmpdir(), `segkit-web-dashboard-${process.pid}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});
