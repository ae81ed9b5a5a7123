// K-Net's MaskHungarianAssigner for the thing kernels, as the authors' panoptic config sets its
// costs: giving target j to kernel i costs
//   classWeight · focal(p_i(class_j)) + maskWeight · mask(m_i, t_j) + diceWeight · dice(m_i, t_j)
// with sigmoid class scores (focal cost α 0.25, γ 2: the positive term minus the negative one; none
// when there are no class scores, as for the first masks), sigmoid masks m, the mask cost
// −(Σ m·t + Σ (1−m)(1−t)) / pixels and the dice cost −2 Σ m·t / (Σ m² + Σ t² + 2ε), ε 1e-3, targets
// resized (nearest) to the masks' size; the least-cost assignment is exact (linearSumAssignment).
// Nothing here records gradients.
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
const DICE_EPS = 1e-3;

/** The (N, M) cost of N kernels' class logits (N, K) or null and mask logits (N, h, w) against `target`. */
export function kernelMatchingCost(logits: Tensor | null, masks: Tensor, target: MaskTarget, { classWeight, maskWeight, diceWeight }: KernelMatchWeights): Tensor {
  return torch.tidy(() => torch.noGrad(() => {
    const [, h, w] = masks.shape;
    const prob = masks.flatten(1).sigmoid();
    const tgt = nn.functional.interpolate(target.masks.to("float32").unsqueeze(1), { size: [h, w], mode: "nearest" }).flatten(1);
    const overlap = prob.matmul(tgt.t());
    const maskCost = overlap.add(prob.rsub(1).matmul(tgt.rsub(1).t())).div(-h * w);
    const denominator = prob.square().sum([-1]).add(DICE_EPS).unsqueeze(1).add(tgt.square().sum([-1]).add(DICE_EPS).unsqueeze(0));
    const diceCost = overlap.mul(-2).div(denominator);
    const cost = maskCost.mul(maskWeight).add(diceCost.mul(diceWeight));
    if (logits === null) return cost;
    const p = logits.sigmoid().indexSelect(1, target.labels);
    const pos = p.add(EPS).log().neg().mul(p.rsub(1).pow(GAMMA)).mul(ALPHA);
    const neg = p.rsub(1 + EPS).log().neg().mul(p.pow(GAMMA)).mul(1 - ALPHA);
    return cost.add(pos.sub(neg).mul(classWeight));
  }));
}

/** The least-cost assignment of kernels to `target`'s masks (min(N, M) pairs, kernels ascending). */
export function matchKernels(logits: Tensor | null, masks: Tensor, target: MaskTarget, weights: KernelMatchWeights): Match {
  const n = masks.shape[0];
  const m = target.labels.shape[0];
  if (m === 0 || n === 0) return { queries: new Int32Array(0), targets: new Int32Array(0) };
  const cost = kernelMatchingCost(logits, masks, target, weights);
  const values = cost.toTypedArray() as Float32Array;
  cost.dispose();
  const { rows, cols } = linearSumAssignment(values, n, m, "K-Net matching cost");
  return { queries: rows, targets: cols };
}
