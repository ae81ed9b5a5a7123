// Pixel-wise cross-entropy and its hard-pixel variants: TopK (the k% largest pixel losses, Wu et al.,
// "Bridging Category-level and Instance-level Semantic Image Segmentation", 2016) and OHEM exactly as
// mmsegmentation's OHEMPixelSampler with its CrossEntropyLoss (rules on ohemCrossEntropy).
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

/**
 * OHEM as mmsegmentation's OHEMPixelSampler followed by its CrossEntropyLoss, as its decode heads
 * chain them. With N images, at least `minKept`·N valid pixels are kept (mmseg's min_kept, per
 * image):
 * - with `thresh`: the pixels whose softmax probability of their true class is below a threshold,
 *   `thresh` raised to the (minKept·N + 1)-th smallest such probability (the largest one when there
 *   are fewer valid pixels);
 * - without `thresh` (mmseg's default): the minKept·N pixels of largest (class-weighted) loss.
 * The kept pixels' class-weighted losses are summed and divided by all N·H·W pixels, ignored ones
 * included (mmseg's default, avg_non_ignore=False), or by the valid pixels with `avgNonIgnore`
 * (mmseg 1.x adds float32 eps to that divisor: below 1e-7 relative; none valid gives 0 here).
 */
export const ohemCrossEntropy: LossSpec = {
  name: "ohem_cross_entropy",
  formerly: ["ohem-cross-entropy"],
  options: ["classWeights", "ignoreIndex", "thresh", "minKept", "avgNonIgnore"],
  summary: "mmsegmentation's OHEM: CE over pixels with true-class probability below thresh, or the top losses, at least minKept per image",
  build(o, where): Loss {
    const thresh = (o.values.thresh ?? null) === null ? null : o.number("thresh", 0);
    const minKept = o.number("minKept", 100_000);
    const avgNonIgnore = o.boolean("avgNonIgnore", false);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    if (thresh !== null && !(thresh >= 0 && thresh <= 1)) throw new RangeError(`${where}: "thresh" is a probability in [0, 1], got ${thresh}`);
    if (!Number.isInteger(minKept) || minKept < 1) throw new RangeError(`${where}: "minKept" must be a positive integer, got ${minKept}`);
    const losses = crossEntropyWith(o, where);
    return (logits, target) => {
      const perPixel = losses(logits, target);
      const { labels, valid } = validLabels(target, ignoreIndex);
      const batchKept = minKept * logits.shape[0];
      const kept = torch.noGrad(() =>
        thresh === null ? largestLosses(perPixel, valid, batchKept) : lowTruthProbability(logits, labels, valid, thresh, batchKept),
      );
      const divisor = avgNonIgnore ? Math.max(valid.sum().item(), 1) : target.numel();
      return perPixel.mul(kept.to(logits.dtype)).sum().div(divisor);
    };
  },
};

/** The (N,H,W) mask of valid pixels whose true-class probability is below mmseg's OHEM threshold. */
function lowTruthProbability(logits: Tensor, labels: Tensor, valid: Tensor, thresh: number, batchKept: number): Tensor {
  const truthProb = torch.softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
  const sorted = truthProb.maskedSelect(valid).sort()[0];
  const count = sorted.numel();
  const threshold = count > 0 ? Math.max(thresh, sorted.index([torch.tensor([Math.min(batchKept, count - 1)])]).item()) : thresh;
  return truthProb.lt(threshold).logicalAnd(valid);
}

/** The (N,H,W) mask of the `batchKept` valid pixels of largest loss (all of them if fewer). */
function largestLosses(perPixel: Tensor, valid: Tensor, batchKept: number): Tensor {
  const k = Math.min(batchKept, valid.sum().item());
  const ranked = perPixel.maskedFill(valid.logicalNot(), -Infinity).reshape([-1]);
  const chosen = ranked.topk(k)[1];
  return torch.zerosLike(ranked, { dtype: "bool" }).indexFill(0, chosen, true).reshape(perPixel.shape);
}
