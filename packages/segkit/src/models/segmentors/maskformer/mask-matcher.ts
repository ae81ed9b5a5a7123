// MaskFormer's HungarianMatcher: per image, the cost of giving target j to query i is
//   classWeight · (−p_i(class_j)) + maskWeight · focal(mask_i, target_j) + diceWeight · dice(mask_i, target_j)
// with the targets resized (nearest) to the predicted masks' size, the focal term averaged over
// pixels (α 0.25, γ 2) and dice smoothed by 1; the least-cost one-to-one assignment is exact
// (linearSumAssignment, = scipy's). Nothing here records gradients.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { linearSumAssignment } from "../../../losses/hungarian.js";

/** One image's targets: M class indices and M binary masks at the image's size. */
export interface MaskTarget {
  /** (M) int64. */
  labels: Tensor;
  /** (M, H, W) float, 1 inside. */
  masks: Tensor;
}

export interface MatchWeights {
  classWeight: number;
  maskWeight: number;
  diceWeight: number;
}

/** Matched (query, target) pairs, queries ascending. */
export interface Match {
  queries: Int32Array;
  targets: Int32Array;
}

const ALPHA = 0.25;
const GAMMA = 2;

/** The (Q, M) matching cost of one image's logits (Q, K+1) and mask logits (Q, h, w) against `target`. */
export function matchingCost(logits: Tensor, masks: Tensor, target: MaskTarget, { classWeight, maskWeight, diceWeight }: MatchWeights): Tensor {
  return torch.tidy(() => torch.noGrad(() => {
    const [, h, w] = masks.shape;
    const classCost = torch.softmax(logits, -1).indexSelect(1, target.labels).neg();
    const out = masks.flatten(1);
    const tgt = nn.functional.interpolate(target.masks.to("float32").unsqueeze(1), { size: [h, w], mode: "nearest" }).flatten(1);
    // Focal: each pixel's loss were the target 1 (pos) or 0 (neg), summed against the target's pixels.
    const prob = out.sigmoid();
    const pos = prob.rsub(1).pow(GAMMA).mul(torch.binaryCrossEntropyWithLogits(out, torch.onesLike(out), null, null, 0)).mul(ALPHA);
    const neg = prob.pow(GAMMA).mul(torch.binaryCrossEntropyWithLogits(out, torch.zerosLike(out), null, null, 0)).mul(1 - ALPHA);
    const focalCost = pos.matmul(tgt.t()).add(neg.matmul(tgt.rsub(1).t())).div(h * w);
    const numerator = prob.matmul(tgt.t()).mul(2);
    const denominator = prob.sum([-1]).unsqueeze(1).add(tgt.sum([-1]).unsqueeze(0));
    const diceCost = numerator.add(1).div(denominator.add(1)).rsub(1);
    return focalCost.mul(maskWeight).add(classCost.mul(classWeight)).add(diceCost.mul(diceWeight));
  }));
}

/** The least-cost assignment of queries to `target`'s masks (min(Q, M) pairs). */
export function matchMasks(logits: Tensor, masks: Tensor, target: MaskTarget, weights: MatchWeights): Match {
  const [q] = logits.shape;
  const m = target.labels.shape[0];
  if (m === 0) return { queries: new Int32Array(0), targets: new Int32Array(0) };
  const cost = matchingCost(logits, masks, target, weights);
  const values = cost.toTypedArray() as Float32Array;
  cost.dispose();
  const { rows, cols } = linearSumAssignment(values, q, m, "MaskFormer matching cost");
  return { queries: rows, targets: cols };
}
