// Binary cross-entropy for binary (N,1,H,W) and multilabel (N,C,H,W) float targets: plain, on
// probabilities or logits, weighted (pos_weight, as PyTorch), and balanced (Xie & Tu, "Holistically-
// Nested Edge Detection", 2015: positives weighted by β = 1 − Σy/|Ω| per image, negatives by 1 − β).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, weightedReduce, type Loss, type Options } from "./helpers.js";
import type { LossSpec } from "./spec.js";

/** Per-pixel BCE times `weight`, reduced over the non-ignored pixels. */
function bceWith(o: Options, where: string, pixelWeight: (target: Tensor, valid: Tensor) => Tensor | null): Loss {
  const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
  const reduction = o.reduction();
  const mode = o.oneOf("mode", ["binary", "multilabel"], "binary");
  const inputs = o.oneOf("inputs", ["logits", "probabilities"], "logits");
  const posWeight = o.values.posWeight === undefined ? null : o.number("posWeight", 1);
  return (logits, target) => {
    checkInputs(logits, target, mode, where);
    const valid = target.ne(ignoreIndex).to(logits.dtype);
    const truth = target.mul(valid);
    const weight = pixelWeight(truth, valid);
    let losses: Tensor;
    if (inputs === "probabilities") {
      losses = torch.binaryCrossEntropy(logits, truth, weight, 0);
    } else {
      const pos = posWeight === null ? null : torch.tensor([posWeight], { dtype: logits.dtype });
      losses = torch.binaryCrossEntropyWithLogits(logits, truth, weight, pos, 0);
    }
    return weightedReduce(losses, valid, reduction);
  };
}

const OPTIONS = ["mode", "inputs", "ignoreIndex", "reduction"] as const;

export const binaryCrossEntropy: LossSpec = {
  name: "binary_cross_entropy",
  formerly: ["binary-cross-entropy"],
  options: [...OPTIONS, "posWeight"],
  summary: "binary cross-entropy on logits (or probabilities), with pos_weight and ignoreIndex",
  build: (o, where) => bceWith(o, where, () => null),
};

export const balancedBinaryCrossEntropy: LossSpec = {
  name: "balanced_binary_cross_entropy",
  formerly: ["balanced-binary-cross-entropy"],
  options: OPTIONS,
  summary: "binary cross-entropy with positives weighted by β = 1 − Σy/|Ω| per image and negatives by 1 − β",
  build: (o, where) =>
    bceWith(o, where, (truth, valid) =>
      torch.noGrad(() => {
        const beta = truth.sum([1, 2, 3], true).div(valid.sum([1, 2, 3], true).clampMin(1)).rsub(1);
        return truth.mul(beta).add(truth.rsub(1).mul(beta.rsub(1)));
      }),
    ),
};
