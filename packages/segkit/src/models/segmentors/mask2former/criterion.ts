// Mask2Former's SetCriterion: MaskFormer's (maskformer/set-criterion.ts: class cross-entropy with
// the no-object weight, matching per decoder layer, losses summed over pairs ÷ the batch's targets)
// with matching at random points (point-matcher.ts) and the mask losses — sigmoid cross-entropy and
// dice — taken at numPoints points per matched pair chosen by importance sampling: oversampleRatio ×
// numPoints uniform candidates, of which the importanceSampleRatio share with the least |logit|
// (uncertainty −|logit|) are kept and the rest drawn uniformly. Targets are read at the points
// directly (no resizing); the draws come from the global generator in the authors' order.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { pointSample } from "../../blocks/point-sample.js";
import { importancePoints, type TrainPointOptions } from "../point-rend/points.js";
import type { Match, MaskTarget } from "../maskformer/mask-matcher.js";
import { SetCriterion, type SetCriterionOptions } from "../maskformer/set-criterion.js";
import { matchMasksAtPoints } from "./point-matcher.js";

export type PointCriterionOptions = SetCriterionOptions & Partial<TrainPointOptions>;

/** A binary mask logit's uncertainty: −|logit|, largest at the decision boundary. */
const maskUncertainty = (logits: Tensor): Tensor => logits.abs().neg();

export class PointSetCriterion extends SetCriterion {
  readonly points: TrainPointOptions;

  constructor({ numPoints = 12544, oversampleRatio = 3, importanceSampleRatio = 0.75, ...options }: PointCriterionOptions) {
    super(options);
    if (!(Number.isInteger(numPoints) && numPoints >= 1)) throw new RangeError(`PointSetCriterion: numPoints must be an integer ≥ 1, got ${numPoints}`);
    if (!(Number.isFinite(oversampleRatio) && oversampleRatio >= 1)) throw new RangeError(`PointSetCriterion: oversampleRatio must be a number ≥ 1, got ${oversampleRatio}`);
    if (!(importanceSampleRatio >= 0 && importanceSampleRatio <= 1)) throw new RangeError(`PointSetCriterion: importanceSampleRatio must be in [0, 1], got ${importanceSampleRatio}`);
    this.points = { numPoints, oversampleRatio, importanceSampleRatio };
  }

  protected override match(logits: Tensor, masks: Tensor, target: MaskTarget): Match {
    return matchMasksAtPoints(logits, masks, target, this.points.numPoints, this.weights);
  }

  protected override maskLosses(masks: Tensor, targets: MaskTarget[], matches: Match[], numMasks: number): [Tensor, Tensor] {
    const q = masks.shape[1];
    const pairs = matches.reduce((sum, m) => sum + m.queries.length, 0);
    if (pairs === 0) return [masks.sum().mul(0), masks.sum().mul(0)];
    return torch.tidy(() => {
      const index = torch.tensor(Int32Array.from(matches.flatMap((m, b) => Array.from(m.queries, (query) => b * q + query))), { dtype: "int64" });
      const chosen = targets.flatMap((t, b) => (matches[b].queries.length === 0 ? [] : [t.masks.to("float32").indexSelect(0, torch.tensor(matches[b].targets, { dtype: "int64" }))]));
      const predicted = masks.flatten(0, 1).indexSelect(0, index).unsqueeze(1);
      const [points, labels] = torch.noGrad(() => {
        const p = importancePoints(predicted, this.points, maskUncertainty);
        return [p, pointSample(torch.cat(chosen).unsqueeze(1), p).squeeze(1)];
      });
      const logits = pointSample(predicted, points).squeeze(1);
      const ce = torch.binaryCrossEntropyWithLogits(logits, labels, null, null, 0).mean([1]).sum().div(numMasks);
      const prob = logits.sigmoid();
      const numerator = prob.mul(labels).sum([-1]).mul(2);
      const denominator = prob.sum([-1]).add(labels.sum([-1]));
      const dice = numerator.add(1).div(denominator.add(1)).rsub(1).sum().div(numMasks);
      return [ce, dice] as [Tensor, Tensor];
    });
  }
}
