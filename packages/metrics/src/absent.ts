/**
 * What a metric is worth for a class whose ratio is 0/0 (typically a class absent from both the
 * ground truth and the prediction), and whether that class takes part in the mean. The libraries
 * people compare against disagree, so each convention is offered under the library's name.
 *
 * - "mmseg" (default): the score is NaN and the mean skips it (nanmean), as in mmsegmentation's IoUMetric.
 * - "torchmetrics": the score is 0 (zero_division=0); in a macro mean a class with tp+fp+fn = 0 gets
 *   weight 0, so only a class absent from both maps is left out.
 * - "smp": the score is 1 (segmentation_models_pytorch's zero_division=1) and every class counts.
 */
export type AbsentPolicy = "mmseg" | "torchmetrics" | "smp";

/** The value 0/0 takes under a policy. */
export function zeroDivision(policy: AbsentPolicy): number {
  return policy === "mmseg" ? NaN : policy === "torchmetrics" ? 0 : 1;
}

export function divide(num: number, den: number, policy: AbsentPolicy): number {
  return den === 0 ? zeroDivision(policy) : num / den;
}

/** Weight of a class in a macro mean: torchmetrics leaves out classes seen in neither map. */
export function macroWeight(policy: AbsentPolicy, tp: number, fp: number, fn: number): number {
  return policy === "torchmetrics" && tp + fp + fn === 0 ? 0 : 1;
}

/**
 * Weighted mean that, under "mmseg", skips NaN scores; with no weight left it is 0/0 again.
 */
export function weightedMean(scores: ArrayLike<number>, weights: ArrayLike<number>, policy: AbsentPolicy): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]) || weights[i] === 0) continue;
    sum += weights[i] * scores[i];
    total += weights[i];
  }
  return divide(sum, total, policy);
}
