// Soft targets for self-correction (SCHP, Li et al. 2020). While withSoftTarget(q, fn) runs, every
// cross-entropy term ("cross-entropy" and a model's default loss) becomes the KL divergence from q (N,C,H,W
// class probabilities) to the softmax of its logits, as the authors' released code replaces its
// cross-entropy (utils/criterion.py, utils/kl_loss.py); losses of other kinds (Lovász, region,
// boundary, edge) keep the hard labels. The scope reaches every head, auxiliary head and
// deep-supervision output without each model passing q along.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

let current: Tensor | null = null;

/** Runs `fn` with `soft` as the target of cross-entropy terms (null: the hard labels, as outside). */
export function withSoftTarget<T>(soft: Tensor | null, fn: () => T): T {
  const outer = current;
  current = soft;
  try {
    return fn();
  } finally {
    current = outer;
  }
}

/**
 * The KL divergence from the soft target in scope to softmax(logits), or null when none is in scope.
 * Like the released code (F.kl_div's default reduction), the sum is divided by the number of valid
 * pixels times the number of classes. Pixels labelled `ignoreIndex` are left out (the released
 * code's to_one_hot overwrites them with class 0 in place, so it counts them; that is a side effect,
 * not its intent). A soft target of another size than the labels is resized bilinearly.
 */
export function softTargetLoss(logits: Tensor, target: Tensor, ignoreIndex: number): Tensor | null {
  const soft = current;
  if (soft === null) return null;
  return torch.tidy(() => {
    const [h, w] = target.shape.slice(-2);
    const q = soft.shape[2] === h && soft.shape[3] === w ? soft : torch.upsampleBilinear2d(soft, [h, w], false);
    if (q.shape[1] !== logits.shape[1]) throw new RangeError(`soft target: ${q.shape[1]} classes, the logits have ${logits.shape[1]}`);
    const valid = target.ne(ignoreIndex).unsqueeze(1).to(logits.dtype);
    const pointwise = torch.klDiv(logits.logSoftmax(1), q, 0);
    return pointwise.mul(valid).sum().div(valid.sum().mul(logits.shape[1]).clampMin(1));
  });
}
