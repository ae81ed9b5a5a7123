// The training dashboard: a run with the dashboard feed (what `segkit train --serve` adds) streams
// its steps and validations by Server-Sent Events to the web app's Training page in headless
// Chromium, which shows them while the run is still going. Screenshot in the OS temp dir.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { chromium } from "playwright-core";
import { WEB_DIR } from "../src/cli/serve.js";
import type { Hook, TrainRun } from "../src/engine/hooks/hook.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { buildServer } from "../src/serve/server.js";
import { TrainingFeed } from "../src/serve/training-feed.js";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const tmp = mkdtempSync(join(tmpdir(), "segkit-web-dashboard-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

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
    const watcher: Hook = {
      name: "test_watcher",
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
    assert.equal(await page.locator("#train-status").getAttribute("data-events"), String(feed.history.length));
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
