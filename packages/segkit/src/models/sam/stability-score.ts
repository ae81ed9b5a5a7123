// The automatic mask generator's stability score: the IoU of a mask's logits thresholded a little
// above and a little below the mask threshold (the higher one lies inside the lower one).
import type { Tensor } from "@segkit/torch";
import * as torch from "@segkit/torch";

/** Logits (N, H, W) → (N) float32 scores; NaN where both thresholded masks are empty. */
export function stabilityScore(logits: Tensor, threshold: number, offset: number): Tensor {
  return torch.tidy(() => {
    const inner = logits.gt(threshold + offset).sum([-1, -2]);
    const outer = logits.gt(threshold - offset).sum([-1, -2]);
    return inner.div(outer);
  });
}
