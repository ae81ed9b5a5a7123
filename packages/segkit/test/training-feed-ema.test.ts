// The dashboard's validation samples come from the weights validation measured: with an EMA hook,
// the averaged ones (the EMA hook swaps them in before validation and back out in its afterVal,
// which runs before the feed's hooks), not the raw weights training goes on with.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { build } from "../src/config/registry.js";
import type { Dataset } from "../src/data/types.js";
import type { Hook, TrainRun } from "../src/engine/hooks/hook.js";
import { predictionPipeline, predictLabels } from "../src/engine/predict.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { readLabelPng } from "../src/io/label-png.js";
import { TrainingFeed, type TrainingEvent } from "../src/serve/training-feed.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-feed-ema-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("with an EMA hook the dashboard's sample predictions use the EMA weights that validation used", async () => {
  const feed = new TrainingFeed(1);
  /** The first validation image's prediction by the weights the model holds, at each moment. */
  const predicted: Record<"validation" | "training", number[] | null> = { validation: null, training: null };
  const predictNow = async (run: TrainRun) => {
    const image = await build<Dataset>("dataset", run.config.data.val.dataset).raw(0);
    const wasTraining = run.model.training;
    run.model.eval();
    const labels = Array.from(predictLabels(run.model, image, predictionPipeline(run.config.data.val.pipeline), run.config.test));
    if (wasTraining) run.model.train();
    return labels;
  };
  // After the EMA hook (config hooks come first) and the feed: afterValMetrics sees the weights
  // validation measured, afterVal the raw ones the EMA hook restored.
  const probe: Hook = {
    name: "test_probe",
    async afterValMetrics(run: TrainRun) {
      predicted.validation = await predictNow(run);
    },
    async afterVal(run: TrainRun) {
      predicted.training = await predictNow(run);
    },
  };
  const dataset = { type: "synthetic", length: 4, size: [32, 32], seed: 1 };
  const config = runConfig({
    model: { type: "unet", numClasses: 5, widths: [4, 8] },
    data: { train: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 }, val: { dataset, pipeline: [{ type: "normalize" }], batchSize: 2 } },
    optimizer: { type: "adamw", lr: 0.05 },
    // A slow average of a fast-moving model: its predictions differ from the raw weights'.
    train: { iters: 4, valInterval: 4, checkpointInterval: 4, logInterval: 4, seed: 1, threads: 1, ema: { decay: 0.99 } },
  } as never);
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);
  await train(config, { workDir: join(tmp, "run"), progress: quiet, hooks: [feed, probe] });

  assert.ok(predicted.validation && predicted.training);
  assert.notDeepEqual(predicted.validation, predicted.training, "the EMA and raw weights predict differently, so the check below can fail");
  const samples = feed.history.find((e) => e.kind === "samples") as Extract<TrainingEvent, { kind: "samples" }>;
  const file = join(tmp, "prediction.png");
  writeFileSync(file, Buffer.from(samples.samples[0].predictionPng, "base64"));
  assert.deepEqual(Array.from((await readLabelPng(file)).data), predicted.validation, "the sample is the EMA weights' prediction");
});
