// The loss functions, registered under kind "loss" so configs can build them by name:
// build("loss", { type: "dice", mode: "multiclass", smooth: 1 }).
import { register } from "../config/registry.js";
import { Options } from "./helpers.js";
import type { LossSpec } from "./spec.js";
import { balancedBinaryCrossEntropy, binaryCrossEntropy } from "./binary-cross-entropy.js";
import { crossEntropy, ohemCrossEntropy, topKCrossEntropy } from "./cross-entropy.js";
import { focal } from "./focal.js";
import { generalizedDice, penalty } from "./generalized-dice.js";
import { lovaszHinge, lovaszSoftmax } from "./lovasz.js";
import { asymmetricSimilarity, dice, focalTversky, jaccard, logCoshDice, mcc, sensitivitySpecificity, tversky } from "./region.js";
import { compound, deepSupervision } from "./compound.js";
import { boundary, distancePenalizedCrossEntropy, hausdorffDistance } from "./boundary.js";
import { msSsim } from "./ms-ssim.js";

export type { Loss, Mode, Reduction } from "./helpers.js";
export type { DeepSupervisedLoss } from "./compound.js";
export { linearSumAssignment, type Assignment } from "./hungarian.js";

const SPECS: LossSpec<unknown>[] = [
  crossEntropy, topKCrossEntropy, ohemCrossEntropy, binaryCrossEntropy, balancedBinaryCrossEntropy, focal,
  dice, logCoshDice, jaccard, tversky, focalTversky, asymmetricSimilarity, sensitivitySpecificity, mcc,
  generalizedDice, penalty, lovaszSoftmax, lovaszHinge, distancePenalizedCrossEntropy, boundary, hausdorffDistance, msSsim,
  compound, deepSupervision,
];

for (const spec of SPECS) {
  const where = `loss "${spec.name}"`;
  register("loss", spec.name, {
    options: spec.options, summary: spec.summary, formerly: spec.formerly, build: (options) => spec.build(new Options(options, where), where),
  });
}
