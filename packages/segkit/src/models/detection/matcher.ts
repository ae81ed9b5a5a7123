// torchvision's Matcher and BalancedPositiveNegativeSampler, the training-time assignment of anchors
// or proposals to ground-truth boxes and the draw of a fixed-size, fixed-fraction minibatch of them.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Match value of an element whose best IoU is under the low threshold. */
export const BELOW_LOW_THRESHOLD = -1;
/** Match value of an element whose best IoU lies between the thresholds. */
export const BETWEEN_THRESHOLDS = -2;

/**
 * For IoUs (M ground truths, N elements): each element's best ground truth (N, int64), or −1 below
 * `low`, −2 in [low, high). With `allowLowQuality`, an element that is some ground truth's best match
 * (ties included) keeps its best ground truth whatever the IoU.
 */
export function matchBoxes(quality: Tensor, high: number, low: number, allowLowQuality: boolean): Tensor {
  if (quality.shape[0] === 0) throw new RangeError("matchBoxes: no ground-truth boxes for an image in training");
  if (quality.shape[1] === 0) throw new RangeError("matchBoxes: no proposal boxes for an image in training");
  return torch.tidy(() => {
    const [values, best] = quality.max(0);
    let matches = torch.where(values.lt(low), torch.scalar(BELOW_LOW_THRESHOLD, "int64"), best);
    matches = torch.where(values.ge(low).logicalAnd(values.lt(high)), torch.scalar(BETWEEN_THRESHOLDS, "int64"), matches);
    if (!allowLowQuality) return matches;
    const someonesBest = quality.eq(quality.amax(1).unsqueeze(1)).any(0);
    return torch.where(someonesBest, best, matches);
  });
}

/**
 * Per image, masks (uint8, like the labels) of the positives (label ≥ 1) and negatives (label 0)
 * drawn: at most batchSize · positiveFraction positives, negatives filling the batch, each chosen by
 * torch.randperm in torchvision's order (positives then negatives, image by image), so that the same
 * seed draws the same minibatch.
 */
export function sampleBalanced(labels: Tensor[], batchSize: number, positiveFraction: number): { positive: Tensor[]; negative: Tensor[] } {
  return torch.tidy(() => {
    const positive: Tensor[] = [];
    const negative: Tensor[] = [];
    for (const l of labels) {
      const pos = l.ge(1).nonzero().flatten();
      const neg = l.eq(0).nonzero().flatten();
      const numPos = Math.min(pos.shape[0], Math.trunc(batchSize * positiveFraction));
      const numNeg = Math.min(neg.shape[0], batchSize - numPos);
      const pick = (from: Tensor, n: number) => torch.zeros([l.shape[0]], { dtype: "uint8" })
        .indexFill(0, from.indexSelect(0, torch.randperm(from.shape[0]).narrow(0, 0, n)), 1);
      positive.push(pick(pos, numPos));
      negative.push(pick(neg, numNeg));
    }
    return { positive, negative };
  });
}
