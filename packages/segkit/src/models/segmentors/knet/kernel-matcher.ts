// K-Net's MaskHungarianAssigner for the thing kernels: the cost of giving target j to kernel i is
//   classWeight · focal(p_i(class_j)) + maskWeight · BCE(mask_i, target_j) + diceWeight · dice(mask_i, target_j)
// with sigmoid class scores (focal cost α 0.25, γ 2: the positive term minus the negative one), the
// BCE averaged over pixels and dice smoothed by 1, targets resized (nearest) to the masks' size; the
// least-cost assignment is exact (linearSumAssignment). Nothing here records gradients.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { linearSumAssignment } from "../../../losses/hungarian.js";
import type { Match, MaskTarget } from "../maskformer/mask-matcher.js";

export interface KernelMatchWeights {
  classWeight: number;
  maskWeight: number;
  diceWeight: number;
}

const ALPHA = 0.25;
const GAMMA = 2;
const EPS = 1e-12;

/** The (N, M) cost of N kernels' class logits (N, K) and mask logits (N, h, w) against `target`. */
export function kernelMatchingCost(logits: Tensor, masks: Tensor, target: MaskTarget, { classWeight, maskWeight, diceWeight }: KernelMatchWeights): Tensor {
  return torch.tidy(() => torch.noGrad(() => {
    const [, h, w] = masks.shape;
    const p = logits.sigmoid().indexSelect(1, target.labels);
    const pos = p.add(EPS).log().neg().mul(p.rsub(1).pow(GAMMA)).mul(ALPHA);
    const neg = p.rsub(1 + EPS).log().neg().mul(p.pow(GAMMA)).mul(1 - ALPHA);
    const classCost = pos.sub(neg);
    const out = masks.flatten(1);
    const tgt = nn.functional.interpolate(target.masks.to("float32").unsqueeze(1), { size: [h, w], mode: "nearest" }).flatten(1);
    const bcePos = torch.binaryCrossEntropyWithLogits(out, torch.onesLike(out), null, null, 0);
    const bceNeg = torch.binaryCrossEntropyWithLogits(out, torch.zerosLike(out), null, null, 0);
    const maskCost = bcePos.matmul(tgt.t()).add(bceNeg.matmul(tgt.rsub(1).t())).div(h * w);
    const prob = out.sigmoid();
    const numerator = prob.matmul(tgt.t()).mul(2);
    const denominator = prob.sum([-1]).unsqueeze(1).add(tgt.sum([-1]).unsqueeze(0));
    const diceCost = numerator.add(1).div(denominator.add(1)).rsub(1);
    return classCost.mul(classWeight).add(maskCost.mul(maskWeight)).add(diceCost.mul(diceWeight));
  }));
}

/** The least-cost assignment of kernels to `target`'s masks (min(N, M) pairs, kernels ascending). */
export function matchKernels(logits: Tensor, masks: Tensor, target: MaskTarget, weights: KernelMatchWeights): Match {
  const n = logits.shape[0];
  const m = target.labels.shape[0];
  if (m === 0 || n === 0) return { queries: new Int32Array(0), targets: new Int32Array(0) };
  const cost = kernelMatchingCost(logits, masks, target, weights);
  const values = cost.toTypedArray() as Float32Array;
  cost.dispose();
  const { rows, cols } = linearSumAssignment(values, n, m, "K-Net matching cost");
  return { queries: rows, targets: cols };
}
