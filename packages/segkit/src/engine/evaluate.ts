// Evaluation: predictions over a loader (whole or sliding window, optional flip and multi-scale
// test-time augmentation) counted into a confusion matrix, summarised with @segkit/metrics.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConfusionMatrix, summarize, type Summary } from "@segkit/metrics";
import type { DataLoader } from "../data/loader/data-loader.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { TestConfig } from "./run-config.js";

/** Class probabilities (N, K, H, W) for a batch, averaged over the configured augmentations. */
export function predictProbabilities(model: Segmentor, images: Tensor, test: TestConfig): Tensor {
  return torch.tidy(() => {
    const [, , h, w] = images.shape;
    const how = test.mode === "slide" ? { mode: "slide" as const, crop: test.crop!, stride: test.stride! } : { mode: "whole" as const };
    let sum: Tensor | null = null;
    let count = 0;
    for (const scale of test.scales) {
      // Scaled sizes are rounded to the model's divisor so every architecture accepts them.
      const d = model.divisor;
      const [sh, sw] = [Math.max(d, Math.round((h * scale) / d) * d), Math.max(d, Math.round((w * scale) / d) * d)];
      const input = sh === h && sw === w ? images : torch.upsampleBilinear2d(images, [sh, sw], false);
      for (const flip of test.flip ? [false, true] : [false]) {
        const x = flip ? input.flip([3]) : input;
        let logits = model.predict(x, how);
        if (flip) logits = logits.flip([3]);
        if (sh !== h || sw !== w) logits = torch.upsampleBilinear2d(logits, [h, w], false);
        const p = logits.softmax(1);
        sum = sum === null ? p : sum.add(p);
        count++;
      }
    }
    return sum!.div(count);
  });
}

export interface Evaluation {
  summary: Summary;
  matrix: ConfusionMatrix;
}

export async function evaluate(model: Segmentor, loader: DataLoader, test: TestConfig): Promise<Evaluation> {
  const { classes, ignoreIndex } = loader.dataset;
  const matrix = new ConfusionMatrix(classes.length, { ignoreIndex });
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      torch.tidy(() => {
        // int32, not bytes: class ids and the ignore index may exceed 255 (ADE20K-full has 847 classes).
        const pred = predictProbabilities(model, batch.images, test).argmax(1).to("int32");
        matrix.update(pred.toTypedArray() as Int32Array, batch.labels.to("int32").toTypedArray() as Int32Array);
      });
      batch.images.dispose();
      batch.labels.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  return { summary: summarize(matrix), matrix };
}
