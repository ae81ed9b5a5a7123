// Lovász extension of the Jaccard loss (Berman et al., "The Lovász-Softmax loss", CVPR 2018):
// errors sorted in decreasing order, dotted with the gradient of the Jaccard loss along that order.
// Lovász-Softmax uses |g − p| per class; the Lovász hinge (binary) uses relu(1 − x·(2g − 1)).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, reduce, withLabelCheck, type Loss } from "./helpers.js";
import type { LossSpec } from "./spec.js";

/** For each row of errors (K,P) with 0/1 truth (K,P): the Lovász extension of the Jaccard loss (K). */
function lovaszRows(errors: Tensor, truth: Tensor): Tensor {
  const [sorted, order] = errors.sort(1, true);
  const weights = torch.noGrad(() => {
    const g = truth.gather(1, order);
    const total = g.sum(1, true);
    const intersection = total.sub(g.cumsum(1));
    const union = total.add(g.rsub(1).cumsum(1));
    const jaccard = intersection.div(union).rsub(1);
    const p = jaccard.shape[1];
    if (p < 2) return jaccard;
    return torch.cat([jaccard.narrow(1, 0, 1), jaccard.narrow(1, 1, p - 1).sub(jaccard.narrow(1, 0, p - 1))], 1);
  });
  return sorted.mul(weights).sum(1);
}

/** Class-major (C, pixels) view of (N,C,H,W) logits and flat labels, keeping only valid pixels. */
function validPixels(values: Tensor, labels: Tensor, ignoreIndex: number): { values: Tensor; labels: Tensor } {
  const flatLabels = labels.reshape([-1]);
  const keep = flatLabels.ne(ignoreIndex).nonzero().squeeze(1);
  const flat = values.transpose(0, 1).reshape([values.shape[1], -1]);
  return { values: flat.indexSelect(1, keep), labels: flatLabels.indexSelect(0, keep) };
}

/** Applies `perBatch` to the whole batch, or to each image and stacks the results. */
function batchOrImages(logits: Tensor, target: Tensor, perImage: boolean, perBatch: (l: Tensor, t: Tensor) => Tensor): Tensor {
  if (!perImage) return perBatch(logits, target);
  const n = logits.shape[0];
  return torch.stack(Array.from({ length: n }, (_, i) => perBatch(logits.narrow(0, i, 1), target.narrow(0, i, 1))));
}

export const lovaszSoftmax: LossSpec = {
  name: "lovasz_softmax",
  formerly: ["lovasz-softmax"],
  options: ["classes", "perImage", "ignoreIndex", "reduction"],
  summary: "Lovász-Softmax over all classes, the present ones or a list; per batch or per image",
  build(o, where): Loss {
    const classes = Array.isArray(o.values.classes) ? o.numbers("classes")! : o.oneOf("classes", ["all", "present"], "present");
    const perImage = o.boolean("perImage", false);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    const reduction = o.reduction();
    return (logits, target) => {
      checkInputs(logits, target, "multiclass", where);
      const c = logits.shape[1];
      if (Array.isArray(classes) && classes.some((k) => !Number.isInteger(k) || k < 0 || k >= c)) {
        throw new RangeError(`${where}: "classes" lists ${JSON.stringify(classes)} but the logits have classes 0..${c - 1}`);
      }
      const losses = batchOrImages(logits, target, perImage, (l, t) => {
        const { values: probs, labels } = validPixels(torch.softmax(l, 1), t, ignoreIndex);
        if (labels.numel() === 0) return probs.sum().mul(0);
        const truth = withLabelCheck(() => torch.zerosLike(probs).scatter_(0, labels.unsqueeze(0), 1), c, ignoreIndex, where);
        const perClass = lovaszRows(truth.sub(probs).abs(), truth);
        let use: Tensor;
        if (classes === "all") use = torch.onesLike(perClass);
        else if (classes === "present") use = truth.sum(1).gt(0).to(probs.dtype);
        else use = torch.zerosLike(perClass).indexFill(0, torch.tensor(classes, { dtype: "int64" }), 1);
        return perClass.mul(use).sum().div(use.sum().clampMin(1));
      });
      return reduce(losses, reduction);
    };
  },
};

export const lovaszHinge: LossSpec = {
  name: "lovasz_hinge",
  formerly: ["lovasz-hinge"],
  options: ["perImage", "ignoreIndex", "reduction"],
  summary: "binary Lovász hinge on logits (N,1,H,W) against a 0/1 target (N,1,H,W)",
  build(o, where): Loss {
    const perImage = o.boolean("perImage", true);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    const reduction = o.reduction();
    return (logits, target) => {
      checkInputs(logits, target, "binary", where);
      const losses = batchOrImages(logits, target, perImage, (l, t) => {
        const { values, labels } = validPixels(l, t, ignoreIndex);
        const truth = labels.unsqueeze(0);
        const errors = values.mul(truth.mul(2).sub(1)).rsub(1).relu();
        return lovaszRows(errors, truth).squeeze(0);
      });
      return reduce(losses, reduction);
    };
  },
};
