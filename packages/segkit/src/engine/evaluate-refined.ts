// Evaluation with a refinement (dense CRF, superpixel majority): the refinements need each image's
// own colours, so samples go through the prediction path (decoded sample → test pipeline → network →
// back to the image's size → refinement) and are scored against their label at that size. For
// pipelines that keep the geometry (normalise, pad: the CamVid configs) this is what `evaluate`
// scores; with resizing pipelines it scores at the original resolution.
import { ConfusionMatrix, summarize } from "@segkit/metrics";
import type { Config } from "../config/registry.js";
import type { Dataset } from "../data/types.js";
import { isEngine } from "../inference/engine.js";
import type { Evaluation, Network } from "./evaluate.js";
import { predictionPipeline, predictLabelsWith, type Refinement } from "./predict.js";
import type { TestConfig } from "./run-config.js";

export async function evaluateRefined(network: Network, dataset: Dataset, pipeline: Config[], test: TestConfig, refinement: Refinement): Promise<Evaluation> {
  const matrix = new ConfusionMatrix(dataset.classes.length, { ignoreIndex: dataset.ignoreIndex });
  const transform = predictionPipeline(pipeline);
  const model = isEngine(network) ? null : network;
  const wasTraining = model?.training ?? false;
  model?.eval();
  try {
    for (let i = 0; i < dataset.length; i++) {
      const { label, ...image } = await dataset.raw(i);
      const labels = await predictLabelsWith(network, image, transform, test, refinement);
      matrix.update(Int32Array.from(labels), Int32Array.from(label));
    }
  } finally {
    model?.train(wasTraining);
  }
  return { summary: summarize(matrix), matrix };
}
