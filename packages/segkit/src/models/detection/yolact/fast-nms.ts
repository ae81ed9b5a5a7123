// YOLACT's detection step (layers/functions/detection.py Detect with use_fast_nms, per image): the
// box regressions decoded against the priors (SSD's variances 0.1 and 0.2), the priors whose best
// foreground class scores above confThresh, then Fast NMS: per class the topK highest scores, a
// detection dropped when a higher-scored detection of its class overlaps it by more than nmsThresh —
// even one that is itself dropped (the upper triangle of the IoU matrix, maxed per column) —, and
// the maxDetections best of what is left across classes.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface FastNmsOptions {
  confThresh: number;
  nmsThresh: number;
  topK: number;
  maxDetections: number;
}

/** One image's detections: boxes (n, 4) x1 y1 x2 y2 relative to the image, scores (n), classes (n) 0-based over the foreground classes, coefficients (n, K). */
export interface YolactDetections {
  boxes: Tensor;
  scores: Tensor;
  classes: Tensor;
  coefficients: Tensor;
}

/** Regressions (P, 4) against priors (P, 4) (cx, cy, w, h) → corner boxes (P, 4). */
export function decodeBoxes(loc: Tensor, priors: Tensor): Tensor {
  return torch.tidy(() => {
    const centre = priors.slice(1, 0, 2).add(loc.slice(1, 0, 2).mul(0.1).mul(priors.slice(1, 2, 4)));
    const size = priors.slice(1, 2, 4).mul(loc.slice(1, 2, 4).mul(0.2).exp());
    const topLeft = centre.sub(size.div(2));
    return torch.cat([topLeft, size.add(topLeft)], 1);
  });
}

/** (B, A, C) IoU of each pair within each of B groups of boxes (B, A, 4) and (B, C, 4), as yolact's jaccard computes it. */
function batchedIou(a: Tensor, b: Tensor): Tensor {
  return torch.tidy(() => {
    const rb = torch.minimum(a.slice(2, 2, 4).unsqueeze(2), b.slice(2, 2, 4).unsqueeze(1));
    const lt = torch.maximum(a.slice(2, 0, 2).unsqueeze(2), b.slice(2, 0, 2).unsqueeze(1));
    const inter = rb.sub(lt).clampMin(0).prod(3);
    const area = (x: Tensor): Tensor => x.select(2, 2).sub(x.select(2, 0)).mul(x.select(2, 3).sub(x.select(2, 1)));
    return inter.div(area(a).unsqueeze(2).add(area(b).unsqueeze(1)).sub(inter));
  });
}

/**
 * Detections of one image from its regressions (P, 4), class probabilities (P, C) with the
 * background at 0, mask coefficients (P, K) and the priors (P, 4).
 */
export function fastNmsDetect(loc: Tensor, conf: Tensor, coefficients: Tensor, priors: Tensor, o: FastNmsOptions): YolactDetections {
  return torch.tidy(() => {
    const boxes = decodeBoxes(loc, priors);
    const foreground = conf.slice(1, 1).t();
    const candidates = foreground.max(0)[0].gt(o.confThresh).nonzero().flatten();
    const numClasses = foreground.shape[0];
    if (candidates.shape[0] === 0) {
      return { boxes: torch.zeros([0, 4]), scores: torch.zeros([0]), classes: torch.zeros([0], { dtype: "int64" }), coefficients: torch.zeros([0, coefficients.shape[1]]) };
    }
    const [sorted, order] = foreground.indexSelect(1, candidates).sort({ dim: 1, descending: true });
    const top = Math.min(o.topK, candidates.shape[0]);
    const idx = candidates.index([order.slice(1, 0, top).reshape([-1])]);
    const scores = sorted.slice(1, 0, top);
    const classBoxes = boxes.indexSelect(0, idx).reshape([numClasses, top, 4]);
    const classCoefficients = coefficients.indexSelect(0, idx).reshape([numClasses, top, -1]);
    const keep = batchedIou(classBoxes, classBoxes).triu(1).max(1)[0].le(o.nmsThresh);
    const classes = torch.arange(numClasses, { dtype: "int64" }).unsqueeze(1).expand([numClasses, top]);
    const [best, rank] = scores.index([keep]).sort({ dim: 0, descending: true });
    const first = rank.slice(0, 0, o.maxDetections);
    return {
      boxes: classBoxes.index([keep]).indexSelect(0, first),
      scores: best.slice(0, 0, o.maxDetections),
      classes: classes.index([keep]).indexSelect(0, first),
      coefficients: classCoefficients.index([keep]).indexSelect(0, first),
    };
  });
}
