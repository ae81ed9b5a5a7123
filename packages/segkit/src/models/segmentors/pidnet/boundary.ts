// PIDNet's boundary supervision. Targets: the authors run Canny on the label map and dilate the
// edges by a 4×4 kernel; here a pixel is boundary when a different label lies within 2 pixels
// (a band of the same ~4-pixel width, exact on label maps, no thresholds). The loss is the authors'
// weighted BCE: positives weighted by the negative fraction and negatives by the positive one,
// counted over the whole batch (the "balanced-binary-cross-entropy" loss counts per image).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** (N, H, W) integer labels → (N, 1, H, W) float 0/1 boundary band. */
export function boundaryTarget(label: Tensor, dtype: Tensor["dtype"]): Tensor {
  return torch.noGrad(() => {
    const values = label.unsqueeze(1).to(dtype);
    const max = torch.maxPool2d(values, 5, 1, 2);
    const min = torch.maxPool2d(values.neg(), 5, 1, 2).neg();
    return max.ne(min).to(dtype);
  });
}

/** Mean over pixels of BCE-with-logits weighted by the other class's share of the batch. */
export function weightedBoundaryBce(logits: Tensor, target: Tensor): Tensor {
  const weight = torch.noGrad(() => {
    const positive = target.mean();
    return target.mul(positive.rsub(1)).add(target.rsub(1).mul(positive));
  });
  return torch.binaryCrossEntropyWithLogits(logits, target, weight, null, 1);
}
