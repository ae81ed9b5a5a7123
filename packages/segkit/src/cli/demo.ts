// `segkit demo`: trains a small U-Net on the built-in synthetic scenes for a few minutes, evaluates
// it, writes predictions, overlays and plots, and says where they are. `--camvid DIR` instead
// segments the user's street photos with a CamVid model of the zoo.
import { join, resolve } from "node:path";
import { Command } from "commander";
import { report } from "@segkit/metrics";
import { build } from "../config/registry.js";
import type { Dataset } from "../data/types.js";
import "../data/index.js";
import { loadModel, loadRunConfig, predictionClasses } from "../engine/load.js";
import { zooEntries, zooWeights } from "../engine/model-zoo.js";
import { predictFile, predictionPipeline, predictLabels, writePrediction } from "../engine/predict.js";
import { imageFiles } from "./train.js";
import { Progress } from "../engine/progress.js";
import { train } from "../engine/trainer.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("train a small model on the built-in synthetic dataset, evaluate it, write predictions")
    .option("--work-dir <dir>", "output folder", join("runs", "demo"))
    .option("--set <path=value>", "override a value of the demo config (repeatable), e.g. train.iters=200", collect, [])
    .option("--camvid <dir>", "instead: segment the street photos in this folder with a CamVid model of the zoo (no training)")
    .option("--model <name>", "with --camvid: the zoo entry to use (default: the best CamVid one)")
    .action(async (o: { workDir: string; set: string[]; camvid?: string; model?: string }) => {
      if (o.camvid) {
        await segmentStreetPhotos(o.camvid, resolve(o.workDir), o.model);
        return;
      }
      const run = await loadRunConfig("demo_synthetic", o.set);
      const workDir = resolve(o.workDir);
      console.log(`segkit demo: training ${run.model.type} for ${run.train.iters} iterations on synthetic scenes (${workDir})`);
      const result = await train(run, { workDir, progress: new Progress() });
      if (result.last) console.log(report(result.last, "text", { names: result.classes }));

      const best = join(workDir, "checkpoints", "best.safetensors");
      const { model } = loadModel(run, best);
      const dataset = build<Dataset>("dataset", run.data.val.dataset, "config.data.val.dataset");
      const pipeline = predictionPipeline(run.data.val.pipeline);
      const outDir = join(workDir, "predictions");
      try {
        for (let i = 0; i < Math.min(8, dataset.length); i++) {
          const raw = await dataset.raw(i);
          const labels = predictLabels(model, raw, pipeline, run.test);
          await writePrediction(outDir, `val_${i}`, raw.pixels as Uint8Array, labels, raw.width, raw.height, dataset);
        }
      } finally {
        model.dispose();
      }
      console.log(`best val mIoU ${((result.best?.mIoU ?? Number.NaN) * 100).toFixed(2)} (iteration ${result.best?.iter}) after ${result.seconds.toFixed(0)} s`);
      console.log(`predictions and overlays: ${outDir}`);
      console.log(`curves and per-class IoU: ${join(workDir, "loss.svg")}, lr.svg, val_miou.svg, class_iou.svg; log: ${join(workDir, "scalars.jsonl")}`);
      console.log(`best checkpoint: ${best}`);
    });
}

/** The zoo's CamVid model (the named one, or the best by val mIoU) on the images of `dir`. */
async function segmentStreetPhotos(dir: string, workDir: string, name: string | undefined): Promise<void> {
  const camvid = zooEntries().filter((e) => e.manifest.config.startsWith("camvid_")).sort((a, b) => b.manifest.val.single.mIoU - a.manifest.val.single.mIoU);
  const chosen = name ?? camvid[0]?.manifest.config;
  if (!chosen) throw new Error("demo --camvid: this segkit ships no trained CamVid model yet (see `segkit zoo`)");
  const entry = zooWeights(chosen);
  const run = await loadRunConfig(chosen);
  const files = imageFiles([dir]);
  const loaded = loadModel(run, entry.weightsPath, { foldBatchNorm: true });
  const outDir = join(workDir, "camvid");
  try {
    const classes = predictionClasses(loaded, run, entry.weightsPath);
    const pipeline = predictionPipeline(run.data.val.pipeline);
    const progress = new Progress(process.stderr, 1);
    for (const [i, file] of files.entries()) {
      await predictFile(loaded.model, file, outDir, pipeline, run.test, classes);
      progress.update({ iter: i + 1, total: files.length, extra: file });
    }
    progress.done();
  } finally {
    loaded.model.dispose();
  }
  console.log(`${chosen} (val mIoU ${(entry.manifest.val.single.mIoU * 100).toFixed(1)}) segmented ${files.length} images: overlays in ${join(outDir, "overlays")}, labels in ${join(outDir, "labels")}`);
}
