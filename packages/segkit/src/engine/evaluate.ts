// Evaluation: predictions over a loader (whole or sliding window, optional flip and multi-scale
// test-time augmentation) counted into a confusion matrix, summarised with @segkit/metrics. The
// network is a libtorch Segmentor, run synchronously, or another engine (onnxruntime), awaited.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConfusionMatrix, summarize, type Summary } from "@segkit/metrics";
import type { DataLoader } from "../data/loader/data-loader.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { isEngine, type InferenceEngine } from "../inference/engine.js";
import type { TestConfig } from "./run-config.js";
import { runPlan, runPlanAsync } from "../inference/plan.js";
import { testTimeProbabilities } from "../inference/test-time.js";

/**
 * Class probabilities (N, K, H, W) for a batch, averaged over the configured augmentations; computed
 * where the model's weights are (the images moved there, factory ops placed there), and left there.
 */
export function predictProbabilities(model: Segmentor, images: Tensor, test: TestConfig): Tensor {
  const device = model.parameters()[0]?.device ?? "cpu";
  return torch.withDefaultDevice(device, () => torch.tidy(() =>
    runPlan(testTimeProbabilities(torch.toDevice(images, device), test, model), (x) => model.predict(x))));
}

/** A libtorch model, or an engine running its exported graph. */
export type Network = Segmentor | InferenceEngine;

/** The same for any network; the caller owns the result. */
export async function networkProbabilities(network: Network, images: Tensor, test: TestConfig): Promise<Tensor> {
  if (!isEngine(network)) return predictProbabilities(network, images, test);
  return runPlanAsync(testTimeProbabilities(images, test, network), (x) => network.run(x));
}

export interface Evaluation {
  summary: Summary;
  matrix: ConfusionMatrix;
}

/**
 * The metrics over `loader`'s data. With `group`, each rank's loader holds its shard (without
 * padding) and the ranks' confusion matrices are summed: every rank gets the whole data set's metrics.
 */
export async function evaluate(network: Network, loader: DataLoader, test: TestConfig, group?: torch.distributed.ProcessGroup): Promise<Evaluation> {
  const { classes, ignoreIndex } = loader.dataset;
  const matrix = new ConfusionMatrix(classes.length, { ignoreIndex });
  const model = isEngine(network) ? null : network;
  const wasTraining = model?.training ?? false;
  model?.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      try {
        const probabilities = await networkProbabilities(network, batch.images, test);
        torch.tidy(() => {
          // int32, not bytes: class ids and the ignore index may exceed 255 (ADE20K-full has 847 classes).
          const pred = probabilities.argmax(1).to("int32");
          probabilities.dispose();
          matrix.update(pred.toTypedArray() as Int32Array, batch.labels.to("int32").toTypedArray() as Int32Array);
        });
      } finally {
        batch.images.dispose();
        batch.labels.dispose();
      }
    }
  } finally {
    model?.train(wasTraining);
  }
  if (group) {
    const counts = torch.tensor(matrix.counts, { dtype: "float64" });
    await group.allReduce(counts, "sum");
    matrix.counts.set(counts.toTypedArray() as Float64Array);
    counts.dispose();
  }
  return { summary: summarize(matrix), matrix };
}
