// Focal loss (Lin et al., "Focal Loss for Dense Object Detection", 2017): FL = −α_t (1 − p_t)^γ log p_t.
// Multiclass uses the softmax probability of the true class and per-class α (classWeights); binary and
// multilabel use the sigmoid with α for positives and 1 − α for negatives (torchvision's form).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, classWeights, reduce, validLabels, weightedReduce, withLabelCheck, type Loss } from "./helpers.js";
import type { LossSpec } from "./spec.js";

export const focal: LossSpec = {
  name: "focal",
  options: ["mode", "gamma", "alpha", "classWeights", "ignoreIndex", "reduction"],
  summary: "focal loss, multiclass (softmax, per-class α) or binary/multilabel (sigmoid, α for positives)",
  build(o, where): Loss {
    const mode = o.mode();
    const gamma = o.number("gamma", 2);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    const reduction = o.reduction();
    if (mode === "multiclass") {
      if (o.values.alpha !== undefined) throw new TypeError(`${where}: multiclass focal loss takes per-class "classWeights", not "alpha"`);
      const weights = o.numbers("classWeights");
      return (logits, target) => {
        checkInputs(logits, target, mode, where);
        // −log p_t from cross-entropy without reduction: log-softmax, then nll_loss picks the true
        // class and gives 0 on ignored pixels in one kernel (its backward writes into the dense
        // gradient directly): no label masking, gather, float mask or masked sum, forward or backward.
        const nll = withLabelCheck(() => torch.crossEntropyLoss(logits, target, null, 0, ignoreIndex, 0), logits.shape[1], ignoreIndex, where);
        let losses = nll.neg().exp().rsub(1).pow(gamma).mul(nll);
        const alpha = classWeights(weights, logits, where);
        if (alpha) losses = losses.mul(alpha.index([validLabels(target, ignoreIndex).labels]));
        if (reduction !== "mean") return reduce(losses, reduction);
        return losses.sum().div(target.ne(ignoreIndex).sum());
      };
    }
    if (o.values.classWeights !== undefined) throw new TypeError(`${where}: ${mode} focal loss takes "alpha", not "classWeights"`);
    const alpha = o.number("alpha", 0.25);
    return (logits, target) => {
      checkInputs(logits, target, mode, where);
      const valid = target.ne(ignoreIndex).to(logits.dtype);
      const truth = target.mul(valid);
      const probs = logits.sigmoid();
      const pTruth = probs.mul(truth).add(probs.rsub(1).mul(truth.rsub(1)));
      let losses: Tensor = torch.binaryCrossEntropyWithLogits(logits, truth, null, null, 0).mul(pTruth.rsub(1).pow(gamma));
      if (alpha >= 0) losses = losses.mul(truth.mul(alpha).add(truth.rsub(1).mul(1 - alpha)));
      return weightedReduce(losses, valid, reduction);
    };
  },
};
