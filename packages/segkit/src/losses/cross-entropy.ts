// Pixel-wise cross-entropy and its hard-pixel variants: TopK (the k% largest pixel losses, Wu et al.,
// "Bridging Category-level and Instance-level Semantic Image Segmentation", 2016) and OHEM with a
// probability threshold (as mmsegmentation's OHEMPixelSampler: keep pixels whose true-class
// probability is below `thresh`, and at least `minKept` of them).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, atenReduction, checkInputs, classWeights, validLabels, withLabelCheck, type Loss, type Options } from "./helpers.js";
import { softTargetLoss } from "./soft-target.js";
import type { LossSpec } from "./spec.js";

const COMMON = ["classWeights", "labelSmoothing", "ignoreIndex"] as const;

/**
 * Cross-entropy with the common options and an aten reduction code; with 0 (none) it gives the
 * per-pixel (N,H,W) losses, 0 on ignored pixels, each scaled by its class weight.
 */
function crossEntropyWith(o: Options, where: string): (logits: Tensor, target: Tensor, reduction?: number) => Tensor {
  const weights = o.numbers("classWeights");
  const smoothing = o.number("labelSmoothing", 0);
  const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
  if (smoothing < 0 || smoothing > 1) throw new RangeError(`${where}: "labelSmoothing" must be in [0, 1], got ${smoothing}`);
  return (logits, target, reduction = 0) => {
    checkInputs(logits, target, "multiclass", where);
    const weight = classWeights(weights, logits, where);
    return withLabelCheck(
      () => torch.crossEntropyLoss(logits, target, weight, reduction, ignoreIndex, smoothing),
      logits.shape[1],
      ignoreIndex,
      where,
    );
  };
}

export const crossEntropy: LossSpec = {
  name: "cross_entropy",
  formerly: ["cross-entropy"],
  options: [...COMMON, "reduction"],
  summary: "softmax cross-entropy with class weights, label smoothing and ignoreIndex (PyTorch semantics)",
  build(o, where): Loss {
    const reduction = o.reduction();
    const crossEntropy = crossEntropyWith(o, where);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    return (logits, target) => {
      const soft = softTargetLoss(logits, target, ignoreIndex);
      if (soft !== null && reduction !== "mean") throw new Error(`${where}: self-correction's soft targets need reduction "mean", got "${reduction}"`);
      return soft ?? crossEntropy(logits, target, atenReduction(reduction));
    };
  },
};

export const topKCrossEntropy: LossSpec = {
  name: "topk_cross_entropy",
  formerly: ["topk-cross-entropy"],
  options: [...COMMON, "k"],
  summary: "mean cross-entropy of the k% hardest valid pixels",
  build(o, where): Loss {
    const k = o.number("k", 10);
    if (!(k > 0 && k <= 100)) throw new RangeError(`${where}: "k" is a percentage in (0, 100], got ${k}`);
    const losses = crossEntropyWith(o, where);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    return (logits, target) => {
      const valid = losses(logits, target).maskedSelect(target.ne(ignoreIndex));
      if (valid.numel() === 0) return valid.sum(); // nothing to learn from: 0, still differentiable
      return valid.topk(Math.ceil((valid.numel() * k) / 100))[0].mean();
    };
  },
};

export const ohemCrossEntropy: LossSpec = {
  name: "ohem_cross_entropy",
  formerly: ["ohem-cross-entropy"],
  options: [...COMMON, "thresh", "minKept"],
  summary: "mean cross-entropy of pixels whose true-class probability is below thresh (at least minKept)",
  build(o, where): Loss {
    const thresh = o.number("thresh", 0.7);
    const minKept = o.number("minKept", 100_000);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    const losses = crossEntropyWith(o, where);
    return (logits, target) => {
      const perPixel = losses(logits, target);
      const kept = torch.noGrad(() => {
        const { labels, valid } = validLabels(target, ignoreIndex);
        const truthProb = torch.softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        const sorted = truthProb.maskedSelect(valid).sort()[0];
        let threshold = thresh;
        if (minKept > 0 && sorted.numel() > 0) {
          const nth = sorted.index([torch.tensor([Math.min(minKept, sorted.numel()) - 1])]).item();
          threshold = Math.max(thresh, nth);
        }
        return truthProb.lt(threshold).logicalAnd(valid).to(logits.dtype);
      });
      return perPixel.mul(kept).sum().div(kept.sum().clampMin(1));
    };
  },
};
