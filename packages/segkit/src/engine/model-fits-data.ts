// A model and the data it trains or is tested on must agree on the number of classes and on the
// label value that is ignored: otherwise the loss learns the ignore value as a class (or drops a
// class) and every metric is silently wrong. Checked once, when a run starts.
import type { Dataset } from "../data/types.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";

/** Throws naming both sides when `dataset` (at config key `datasetKey`) does not fit `model`. */
export function checkModelFitsData(model: Pick<Segmentor, "numClasses" | "ignoreIndex">, dataset: Dataset, datasetKey: string): void {
  if (dataset.classes.length !== model.numClasses) {
    throw new Error(`${datasetKey} has ${dataset.classes.length} classes but config.model predicts ${model.numClasses}`);
  }
  if (dataset.ignoreIndex !== model.ignoreIndex) {
    throw new Error(
      `${datasetKey} ignores label ${dataset.ignoreIndex} but config.model.ignoreIndex is ${model.ignoreIndex}: ` +
        `set config.model.ignoreIndex to ${dataset.ignoreIndex}`,
    );
  }
}
