// Mask2Former's HungarianMatcher: MaskFormer's matching (maskformer/mask-matcher.ts) with the mask
// costs taken at numPoints random points (uniform in [0, 1]², one draw per image shared by all its
// masks, read bilinearly from predictions and targets alike) instead of every pixel, and the sigmoid
// cross-entropy in place of the focal term:
//   classWeight · (−p_i(class_j)) + maskWeight · BCE(mask_i, target_j) + diceWeight · dice(mask_i, target_j).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { linearSumAssignment } from "../../../losses/hungarian.js";
import { pointSample } from "../../blocks/point-sample.js";
import type { Match, MaskTarget, MatchWeights } from "../maskformer/mask-matcher.js";

/** The (Q, M) cost of one image's logits (Q, K+1) and mask logits (Q, h, w) against `target` at `points` (P, 2). */
export function pointMatchingCost(logits: Tensor, masks: Tensor, target: MaskTarget, points: Tensor, { classWeight, maskWeight, diceWeight }: MatchWeights): Tensor {
  return torch.tidy(() => torch.noGrad(() => {
    const at = (m: Tensor): Tensor => pointSample(m.unsqueeze(1), points.unsqueeze(0).expand([m.shape[0], -1, -1])).squeeze(1);
    const classCost = torch.softmax(logits, -1).indexSelect(1, target.labels).neg();
    const out = at(masks);
    const tgt = at(target.masks.to("float32"));
    const p = points.shape[0];
    const pos = torch.binaryCrossEntropyWithLogits(out, torch.onesLike(out), null, null, 0);
    const neg = torch.binaryCrossEntropyWithLogits(out, torch.zerosLike(out), null, null, 0);
    const ceCost = pos.matmul(tgt.t()).add(neg.matmul(tgt.rsub(1).t())).div(p);
    const prob = out.sigmoid();
    const numerator = prob.matmul(tgt.t()).mul(2);
    const denominator = prob.sum([-1]).unsqueeze(1).add(tgt.sum([-1]).unsqueeze(0));
    const diceCost = numerator.add(1).div(denominator.add(1)).rsub(1);
    return ceCost.mul(maskWeight).add(classCost.mul(classWeight)).add(diceCost.mul(diceWeight));
  }));
}

/** The least-cost assignment at numPoints points drawn from the global generator (one draw per image with targets). */
export function matchMasksAtPoints(logits: Tensor, masks: Tensor, target: MaskTarget, numPoints: number, weights: MatchWeights): Match {
  const [q] = logits.shape;
  const m = target.labels.shape[0];
  if (m === 0) return { queries: new Int32Array(0), targets: new Int32Array(0) };
  const values = torch.tidy(() => pointMatchingCost(logits, masks, target, torch.rand([numPoints, 2]), weights).toTypedArray() as Float32Array);
  const { rows, cols } = linearSumAssignment(values, q, m, "Mask2Former matching cost");
  return { queries: rows, targets: cols };
}
