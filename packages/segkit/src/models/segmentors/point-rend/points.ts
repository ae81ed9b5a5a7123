// PointRend's point selection (Kirillov et al. 2020), as mmsegmentation's PointHead does it. The
// uncertainty of a prediction is the second-largest logit minus the largest (the closer to 0, the
// more uncertain). Inference: the most uncertain cells of a grid. Training: importance sampling —
// oversampled uniform random points, the most uncertain of them kept, the rest uniform random.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { pointSample } from "../../blocks/point-sample.js";

/** (N, 1, ...) uncertainty of logits (N, C, ...): top2 − top1 of the classes. */
export function uncertainty(logits: Tensor): Tensor {
  const [top] = logits.topk(2, 1);
  return top.narrow(1, 1, 1).sub(top.narrow(1, 0, 1));
}

/** The `count` most uncertain cells of logits (N, C, H, W): their flat indices (N, P) and their centres in [0, 1]² as (x, y) (N, P, 2). */
export function mostUncertainCells(logits: Tensor, count: number): { indices: Tensor; points: Tensor } {
  const [n, , h, w] = logits.shape;
  const [, indices] = uncertainty(logits).reshape([n, h * w]).topk(Math.min(count, h * w), 1);
  const x = indices.remainder(w).to("float32").add(0.5).div(w);
  const y = indices.div(w, { roundingMode: "floor" }).to("float32").add(0.5).div(h);
  return { indices, points: torch.stack([x, y], 2) };
}

export interface TrainPointOptions {
  numPoints: number;
  /** Uniform points drawn per point kept (≥ 1). */
  oversampleRatio: number;
  /** The share of the points chosen by uncertainty (0–1); the rest are uniform. */
  importanceSampleRatio: number;
}

/**
 * Training points (N, numPoints, 2) in [0, 1]² for coarse logits (N, C, H, W), drawn from the global
 * generator; `score` rates sampled logits (N, C, P) as (N, 1, P), most uncertain highest.
 */
export function importancePoints(logits: Tensor, { numPoints, oversampleRatio, importanceSampleRatio }: TrainPointOptions, score: (sampled: Tensor) => Tensor = uncertainty): Tensor {
  const n = logits.shape[0];
  const sampled = Math.trunc(numPoints * oversampleRatio);
  const candidates = torch.rand([n, sampled, 2]);
  const uncertain = Math.trunc(importanceSampleRatio * numPoints);
  const [, chosen] = score(pointSample(logits, candidates)).reshape([n, sampled]).topk(uncertain, 1);
  const points = candidates.gather(1, chosen.reshape([n, uncertain, 1]).expand([n, uncertain, 2]));
  return uncertain < numPoints ? torch.cat([points, torch.rand([n, numPoints - uncertain, 2])], 1) : points;
}
