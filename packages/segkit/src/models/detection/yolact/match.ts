// YOLACT's prior matching (layers/box_utils.py match and encode, SSD's rule): each prior takes the
// ground-truth box it overlaps most; then, once per box, the globally best remaining (box, prior)
// pair forces that prior to that box. A prior is positive at IoU ≥ posThresh, background under
// negThresh and neutral (−1) between; its regression target is the box encoded against the prior
// with SSD's variances 0.1 and 0.2.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { boxIou } from "../boxes.js";

export interface PriorMatch {
  /** (P, 4) regression targets. */
  loc: Tensor;
  /** (P) int64: 0 background, −1 neutral, c + 1 for a box of 0-based class c. */
  conf: Tensor;
  /** (P) int64: the box each prior is matched to. */
  index: Tensor;
}

/** Priors (P, 4) cx cy w h → corners. */
export function pointForm(priors: Tensor): Tensor {
  return torch.tidy(() => torch.cat([priors.slice(1, 0, 2).sub(priors.slice(1, 2, 4).div(2)), priors.slice(1, 0, 2).add(priors.slice(1, 2, 4).div(2))], 1));
}

/** Corner boxes (P, 4) as regressions against priors (P, 4): the inverse of decodeBoxes. */
export function encodeBoxes(matched: Tensor, priors: Tensor): Tensor {
  return torch.tidy(() => {
    const centre = matched.slice(1, 0, 2).add(matched.slice(1, 2, 4)).div(2).sub(priors.slice(1, 0, 2)).div(priors.slice(1, 2, 4).mul(0.1));
    const size = matched.slice(1, 2, 4).sub(matched.slice(1, 0, 2)).div(priors.slice(1, 2, 4)).log().div(0.2);
    return torch.cat([centre, size], 1);
  });
}

/** Matches ground-truth corner boxes (n, 4) relative to the image, with 0-based labels (n), to priors (P, 4). */
export function matchPriors(truths: Tensor, labels: Tensor, priors: Tensor, posThresh: number, negThresh: number): PriorMatch {
  return torch.tidy(() => {
    const n = truths.shape[0];
    const p = priors.shape[0];
    const overlaps = Float32Array.from(boxIou(truths, pointForm(priors)).toTypedArray() as Float32Array);
    const best = new Float32Array(p);
    const index: number[] = new Array<number>(p);
    for (let i = 0; i < p; i++) {
      let k = 0;
      for (let j = 1; j < n; j++) if (overlaps[j * p + i] > overlaps[k * p + i]) k = j;
      best[i] = overlaps[k * p + i];
      index[i] = k;
    }
    for (let round = 0; round < n; round++) {
      let bestBox = 0;
      let bestPrior = 0;
      let bestValue = -Infinity;
      for (let j = 0; j < n; j++) {
        let prior = 0;
        for (let i = 1; i < p; i++) if (overlaps[j * p + i] > overlaps[j * p + prior]) prior = i;
        if (overlaps[j * p + prior] > bestValue) [bestBox, bestPrior, bestValue] = [j, prior, overlaps[j * p + prior]];
      }
      for (let j = 0; j < n; j++) overlaps[j * p + bestPrior] = -1;
      overlaps.fill(-1, bestBox * p, (bestBox + 1) * p);
      best[bestPrior] = 2;
      index[bestPrior] = bestBox;
    }
    const matched = torch.tensor(index, { dtype: "int64" });
    const classes = labels.toArray() as number[];
    const conf = torch.tensor(index.map((k, i) => (best[i] < Math.fround(negThresh) ? 0 : best[i] < Math.fround(posThresh) ? -1 : classes[k] + 1)), { dtype: "int64" });
    return { loc: encodeBoxes(truths.indexSelect(0, matched), priors), conf, index: matched };
  });
}
