// The live feed of a training run for the web app's dashboard: a trainer hook that turns each
// optimizer step (loss, lr) and each validation (mIoU, per-class IoU, and the predictions on a few
// fixed validation images) into an event, keeps them (a page that connects late gets the history
// first; of the sample predictions only the latest, which bounds memory) and passes each on.
import type { Summary } from "@segkit/metrics";
import sharp from "sharp";
import { build } from "../config/registry.js";
import type { Dataset, RawSample, Rgb } from "../data/types.js";
import type { Hook, TrainRun, TrainStep } from "../engine/hooks/hook.js";
import { predictionPipeline, predictLabels } from "../engine/predict.js";
import { encodeLabelPng } from "../io/label-png-writer.js";

/** One validation image with its ground truth (the ignored pixels: one index past the classes) and the model's prediction (label PNGs of class ids; base64). */
export interface ValidationSample {
  name: string;
  width: number;
  height: number;
  /** The image as a JPEG. */
  imageJpeg: string;
  truthPng: string;
  predictionPng: string;
}

export type TrainingEvent =
  | { kind: "step"; iteration: number; total: number; loss: number; lr: number }
  | { kind: "val"; iteration: number; mIoU: number | null; classes: string[]; IoU: (number | null)[] }
  | { kind: "samples"; iteration: number; palette: Rgb[]; samples: ValidationSample[] };

const finite = (v: number) => (Number.isNaN(v) ? null : v);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export class TrainingFeed implements Hook {
  readonly name = "dashboard";
  readonly history: TrainingEvent[] = [];
  private readonly subscribers = new Set<(event: TrainingEvent) => void>();
  private images: RawSample[] | null = null;

  /** `samples`: how many validation images (the first ones, always the same) are predicted at each validation. */
  constructor(private readonly samples = 3) {}

  subscribe(listener: (event: TrainingEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  afterTrainIter(run: TrainRun, { parts, lr }: TrainStep): void {
    this.publish({ kind: "step", iteration: run.iteration, total: run.config.train.iters, loss: parts.loss, lr });
  }

  /** The samples are predicted by the weights validation measured (an EMA hook's afterVal restores the raw ones). */
  async afterValMetrics(run: TrainRun, summary: Summary): Promise<void> {
    this.publish({ kind: "val", iteration: run.iteration, mIoU: finite(summary.mIoU), classes: run.classes.classes, IoU: Array.from(summary.IoU, finite) });
    if (this.samples > 0) this.publish({ kind: "samples", iteration: run.iteration, palette: run.classes.palette, samples: await this.predictSamples(run) });
  }

  private async predictSamples(run: TrainRun): Promise<ValidationSample[]> {
    const { config, model, classes } = run;
    if (!this.images) {
      const dataset = build<Dataset>("dataset", config.data.val.dataset, "config.data.val.dataset");
      this.images = await Promise.all(Array.from({ length: Math.min(this.samples, dataset.length) }, (_, i) => dataset.raw(i)));
    }
    // Ground truth past the classes (the ignore index) is stored as one index past them, which the page leaves uncoloured.
    const ignored = classes.palette.length;
    // Its colour, unused by the classes, keeps the stored PNG a faithful map of ids to colours.
    const grey = Array.from({ length: 256 }, (_, v) => v).find((v) => !classes.palette.some((c) => c.every((ch) => ch === v))) ?? 0;
    const truthPalette: Rgb[] = [...classes.palette, [grey, grey, grey]];
    const pipeline = predictionPipeline(config.data.val.pipeline);
    const wasTraining = model.training;
    model.eval();
    try {
      return await Promise.all(this.images.map(async (image) => {
        const { width, height, label, meta } = image;
        const pixels = image.pixels as Uint8Array;
        const prediction = predictLabels(model, { width, height, pixels, meta }, pipeline, config.test);
        return {
          name: meta.file, width, height,
          imageJpeg: base64(await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()),
          truthPng: base64(encodeLabelPng(label.map((k) => Math.min(k, ignored)), width, height, truthPalette)),
          predictionPng: base64(encodeLabelPng(prediction, width, height, classes.palette)),
        };
      }));
    } finally {
      if (wasTraining) model.train();
    }
  }

  private publish(event: TrainingEvent): void {
    if (event.kind === "samples") {
      const earlier = this.history.findIndex((e) => e.kind === "samples");
      if (earlier >= 0) this.history.splice(earlier, 1);
    }
    this.history.push(event);
    for (const listener of this.subscribers) listener(event);
  }
}
