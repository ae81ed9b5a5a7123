// Boundary-based losses on distance maps of the target (computed without grad, distance-maps.ts):
// - boundary loss (Kervadec et al., "Boundary loss for highly unbalanced segmentation", 2019):
//   mean of φ_G · s over pixels and classes, φ_G the signed distance of the ground truth;
// - Hausdorff distance loss (Karimi & Salcudean, "Reducing the Hausdorff Distance in Medical Image
//   Segmentation with Convolutional Neural Networks", 2019): mean of (s − g)² · (d_G^α + d_S^α),
//   d_S from the predicted segmentation (the argmax in multiclass mode, 0.5 on the sigmoid otherwise);
// - distance-map penalised cross-entropy (Calivà et al., "Distance Map Loss Penalty Term for
//   Semantic Segmentation", 2019): per-pixel CE times 1 + Φ, Φ the inverted normalised distance to
//   the nearest label border.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, probabilitiesAndTruth, validLabels, weightedReduce, withLabelCheck, type Loss, type Mode } from "./helpers.js";
import { distanceMaps, invertedBorderDistance } from "./distance-maps.js";
import type { LossSpec } from "./spec.js";

/** (1, C, 1, 1) float mask of the channels a loss uses: `classes`, or all but 0 in multiclass mode. */
function channelMask(classes: number[] | null, logits: Tensor, multiclass: boolean, where: string): Tensor {
  const c = logits.shape[1];
  const use = classes ?? Array.from({ length: c }, (_, k) => k).filter((k) => !multiclass || c === 1 || k > 0);
  if (use.some((k) => !Number.isInteger(k) || k < 0 || k >= c)) {
    throw new RangeError(`${where}: "classes" lists ${JSON.stringify(classes)} but the logits have classes 0..${c - 1}`);
  }
  const mask = new Array<number>(c).fill(0);
  for (const k of use) mask[k] = 1;
  return torch.tensor(mask, { dtype: logits.dtype }).reshape([1, c, 1, 1]);
}

/**
 * The predicted segmentation as (N,C,H,W) 0/1 masks, zero on ignored pixels like the truth: in
 * multiclass mode the one-hot of the argmax, so every valid pixel is in exactly one class (softmax
 * channels thresholded at 0.5 would leave pixels in none); otherwise each sigmoid channel above 0.5.
 */
function predictedMasks(logits: Tensor, probs: Tensor, valid: Tensor, mode: Mode): Tensor {
  if (mode !== "multiclass") return probs.gt(0.5);
  return torch.zerosLike(logits).scatter_(1, logits.argmax(1, true), 1).mul_(valid);
}

/** What a distance loss's per-pixel term sees: probabilities, one-hot truth, validity mask, logits and mode. */
interface TermInputs {
  probs: Tensor;
  truth: Tensor;
  valid: Tensor;
  logits: Tensor;
  mode: Mode;
}

// What the boundary and Hausdorff losses share: their options, the input checks, and the
// class-masked weighted reduction of a per-pixel term of probabilities and one-hot truth.
function distanceLoss(o: Parameters<LossSpec["build"]>[0], where: string, multiclassSkipsBackground: boolean,
  term: (inputs: TermInputs) => Tensor): Loss {
  const mode = o.mode();
  const classes = o.numbers("classes");
  const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
  const reduction = o.reduction();
  return (logits, target) => {
    checkInputs(logits, target, mode, where);
    const { probs, truth, valid } = probabilitiesAndTruth(logits, target, mode, ignoreIndex, where);
    const weight = valid.mul(channelMask(classes, logits, multiclassSkipsBackground && mode === "multiclass", where)).expand(probs.shape);
    return weightedReduce(term({ probs, truth, valid, logits, mode }), weight, reduction);
  };
}

export const boundary: LossSpec = {
  name: "boundary",
  options: ["mode", "classes", "ignoreIndex", "reduction"],
  summary: "boundary loss: mean of the target's signed distance times the probabilities (Kervadec et al., 2019)",
  build: (o, where): Loss => distanceLoss(o, where, true, ({ probs, truth, logits }) =>
    probs.mul(torch.noGrad(() => distanceMaps(truth, "signed").to(logits.dtype)))),
};

export const hausdorffDistance: LossSpec = {
  name: "hausdorff_dt",
  formerly: ["hausdorff-dt"],
  options: ["mode", "alpha", "classes", "ignoreIndex", "reduction"],
  summary: "Hausdorff distance loss via distance transforms, mean of (s − g)²(d_G^α + d_S^α) (Karimi & Salcudean, 2019)",
  build(o, where): Loss {
    const alpha = o.number("alpha", 2);
    return distanceLoss(o, where, false, ({ probs, truth, valid, logits, mode }) => {
      const distances = torch.noGrad(() => {
        const dTruth = distanceMaps(truth, "boundary").pow(alpha);
        const dPrediction = distanceMaps(predictedMasks(logits, probs, valid, mode), "boundary").pow(alpha);
        return dTruth.add(dPrediction).to(logits.dtype);
      });
      return probs.sub(truth).pow(2).mul(distances);
    });
  },
};

export const distancePenalizedCrossEntropy: LossSpec = {
  name: "distance_penalized_cross_entropy",
  formerly: ["distance-penalized-cross-entropy"],
  options: ["ignoreIndex", "reduction"],
  summary: "cross-entropy weighted by 1 + Φ, Φ the inverted normalised distance to label borders (Calivà et al., 2019)",
  build(o, where): Loss {
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    const reduction = o.reduction();
    return (logits, target) => {
      checkInputs(logits, target, "multiclass", where);
      const { valid } = validLabels(target, ignoreIndex);
      const penalty = torch.noGrad(() => invertedBorderDistance(target).add(1).to(logits.dtype));
      const perPixel = withLabelCheck(() => torch.crossEntropyLoss(logits, target, null, 0, ignoreIndex), logits.shape[1], ignoreIndex, where);
      return weightedReduce(perPixel.mul(penalty), valid.to(logits.dtype), reduction);
    };
  },
};
