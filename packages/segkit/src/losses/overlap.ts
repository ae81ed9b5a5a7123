// Soft overlap sums shared by the region losses: from class probabilities p and targets g (ignored
// pixels excluded), per class and optionally per image, the soft TP = Σpg, ΣP = Σp, ΣG = Σg and the
// valid pixel count, from which FP = ΣP − TP, FN = ΣG − TP, TN = count − ΣP − ΣG + TP.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, classWeights, probabilitiesAndTruth, weightedReduce, type Loss, type Mode, type Options } from "./helpers.js";

export interface Overlap {
  probs: Tensor;
  truth: Tensor;
  valid: Tensor;
  /** Sums over pixels (and over images unless perImage): (C) or (N,C). */
  sum(t: Tensor): Tensor;
  tp: Tensor;
  sumP: Tensor;
  sumG: Tensor;
  count: Tensor;
}

export const fp = (s: Overlap): Tensor => s.sumP.sub(s.tp);
export const fn = (s: Overlap): Tensor => s.sumG.sub(s.tp);
export const tn = (s: Overlap): Tensor => s.count.sub(s.sumP).sub(s.sumG).add(s.tp);

export function overlap(logits: Tensor, target: Tensor, mode: Mode, ignoreIndex: number, perImage: boolean, where: string): Overlap {
  const { probs, truth, valid } = probabilitiesAndTruth(logits, target, mode, ignoreIndex, where);
  const dims = perImage ? [2, 3] : [0, 2, 3];
  const sum = (t: Tensor): Tensor => t.sum(dims);
  const count = sum(valid); // (N,1,H,W) in multiclass mode: broadcasts over the classes
  return { probs, truth, valid, sum, tp: sum(probs.mul(truth)), sumP: sum(probs), sumG: sum(truth), count };
}

/** Option keys every per-class region loss accepts. */
export const REGION_OPTIONS = ["mode", "smooth", "ignoreIndex", "perImage", "classes", "classWeights", "reduction"] as const;

/**
 * A region loss from a per-class formula: the formula maps the overlap sums to a loss per class (and
 * per image with perImage), which is averaged with class weights over all classes or only those
 * present in the target (classes: "present").
 */
export function regionLoss(o: Options, where: string, perClass: (s: Overlap, smooth: number) => Tensor): Loss {
  const mode = o.mode();
  const smooth = o.number("smooth", 1);
  const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
  const perImage = o.boolean("perImage", false);
  const classes = o.oneOf("classes", ["all", "present"], "all");
  const weights = o.numbers("classWeights");
  const reduction = o.reduction();
  return (logits, target) => {
    checkInputs(logits, target, mode, where);
    const s = overlap(logits, target, mode, ignoreIndex, perImage, where);
    const losses = perClass(s, smooth);
    let weight = classWeights(weights, logits, where) ?? torch.onesLike(losses);
    if (classes === "present") weight = weight.mul(s.sumG.gt(0));
    return weightedReduce(losses, weight.expand(losses.shape), reduction);
  };
}
