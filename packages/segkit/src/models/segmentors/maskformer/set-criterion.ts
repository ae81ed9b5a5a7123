// MaskFormer's SetCriterion: after matching each decoder layer's predictions to the targets, a
// cross-entropy over every query's class (unmatched queries target "no object", whose weight is
// eosCoef) and, over the matched pairs, the sigmoid focal loss (α 0.25, γ 2, mean over pixels) and
// the dice loss of the mask logits upsampled (bilinear) to the targets' size, both summed over pairs
// and divided by the number of targets in the batch (at least 1). The last layer's parts are
// loss_ce, loss_mask, loss_dice; layer i's (deep supervision) the same with the suffix _i. Each part
// comes multiplied by its weight (1, maskWeight, diceWeight), as the authors' model returns them.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { matchMasks, type Match, type MaskTarget, type MatchWeights } from "./mask-matcher.js";
import type { MaskPredictions } from "./predictor.js";

export interface SetCriterionOptions {
  numClasses: number;
  /** The "no object" class's weight in the cross-entropy (0.1). */
  eosCoef?: number;
  /** Matching cost and loss weights: class 1, mask (focal) 20, dice 1 as the authors configure them. */
  classWeight?: number;
  maskWeight?: number;
  diceWeight?: number;
  /** Losses on every decoder layer (true) or on the last only. */
  deepSupervision?: boolean;
}

const ALPHA = 0.25;
const GAMMA = 2;

export class SetCriterion {
  readonly numClasses: number;
  readonly eosCoef: number;
  readonly weights: MatchWeights;
  readonly deepSupervision: boolean;

  constructor({ numClasses, eosCoef = 0.1, classWeight = 1, maskWeight = 20, diceWeight = 1, deepSupervision = true }: SetCriterionOptions) {
    for (const [key, v] of Object.entries({ eosCoef, classWeight, maskWeight, diceWeight })) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`SetCriterion: ${key} must be a finite number ≥ 0, got ${v}`);
    }
    this.numClasses = numClasses;
    this.eosCoef = eosCoef;
    this.weights = { classWeight, maskWeight, diceWeight };
    this.deepSupervision = deepSupervision;
  }

  /** The weighted loss parts of `predictions` against one target per image; `matches` receives each layer's assignment (last layer first, then the others in order). */
  losses(predictions: MaskPredictions, targets: MaskTarget[], matches: Match[][] = []): Record<string, Tensor> {
    const n = predictions.logits.shape[1];
    if (targets.length !== n) throw new RangeError(`SetCriterion: ${n} images but ${targets.length} targets`);
    targets.forEach((t, b) => this.#checkTarget(t, b, targets[0].masks.shape.slice(1)));
    const numMasks = Math.max(1, targets.reduce((sum, t) => sum + t.labels.shape[0], 0));
    return torch.tidy(() => this.#layerLosses(predictions, targets, numMasks, matches));
  }

  #layerLosses(predictions: MaskPredictions, targets: MaskTarget[], numMasks: number, matches: Match[][]): Record<string, Tensor> {
    const layers = predictions.logits.shape[0];
    const parts: Record<string, Tensor> = {};
    // The authors' order (the last layer, then the others from the first): Mask2Former's random
    // point draws follow it.
    const order = [layers - 1, ...(this.deepSupervision ? Array.from({ length: layers - 1 }, (_, l) => l) : [])];
    for (const l of order) {
      const suffix = l === layers - 1 ? "" : `_${l}`;
      const logits = predictions.logits.select(0, l);
      const masks = predictions.masks.select(0, l);
      const layerMatches = targets.map((t, b) => this.match(logits.select(0, b), masks.select(0, b), t));
      matches.push(layerMatches);
      parts[`loss_ce${suffix}`] = this.#classLoss(logits, targets, layerMatches).mul(this.weights.classWeight);
      const [maskLoss, dice] = this.maskLosses(masks, targets, layerMatches, numMasks);
      parts[`loss_mask${suffix}`] = maskLoss.mul(this.weights.maskWeight);
      parts[`loss_dice${suffix}`] = dice.mul(this.weights.diceWeight);
    }
    return parts;
  }

  /** One image's assignment of queries to targets. */
  protected match(logits: Tensor, masks: Tensor, target: MaskTarget): Match {
    return matchMasks(logits, masks, target, this.weights);
  }

  #classLoss(logits: Tensor, targets: MaskTarget[], matches: Match[]): Tensor {
    const [n, q] = logits.shape;
    const classes = new BigInt64Array(n * q).fill(BigInt(this.numClasses));
    matches.forEach((m, b) => {
      const labels = targets[b].labels.toTypedArray() as BigInt64Array;
      m.queries.forEach((query, k) => { classes[b * q + query] = labels[m.targets[k]]; });
    });
    return torch.tidy(() => {
      const weight = torch.ones([this.numClasses + 1]).indexFill(0, torch.tensor([this.numClasses], { dtype: "int64" }), this.eosCoef);
      const target = torch.tensor(classes, { dtype: "int64" }).view([n, q]);
      return torch.crossEntropyLoss(logits.transpose(1, 2), target, weight, 1);
    });
  }

  /** The (unweighted) mask and dice losses of the matched pairs of one layer's masks (N, Q, h, w). */
  protected maskLosses(masks: Tensor, targets: MaskTarget[], matches: Match[], numMasks: number): [Tensor, Tensor] {
    const q = masks.shape[1];
    const pairs = matches.reduce((sum, m) => sum + m.queries.length, 0);
    // No pair (no targets anywhere): zero, as the authors' sums over none, still tied to the graph.
    if (pairs === 0) return [masks.sum().mul(0), masks.sum().mul(0)];
    return torch.tidy(() => {
      const index = torch.tensor(Int32Array.from(matches.flatMap((m, b) => Array.from(m.queries, (query) => b * q + query))), { dtype: "int64" });
      const chosen = targets.flatMap((t, b) => (matches[b].queries.length === 0 ? [] : [t.masks.to("float32").indexSelect(0, torch.tensor(matches[b].targets, { dtype: "int64" }))]));
      const target = torch.cat(chosen).flatten(1);
      const size = targets[0].masks.shape.slice(1);
      const logits = nn.functional.interpolate(masks.flatten(0, 1).indexSelect(0, index).unsqueeze(1), { size, mode: "bilinear", alignCorners: false }).flatten(1);
      const prob = logits.sigmoid();
      const ce = torch.binaryCrossEntropyWithLogits(logits, target, null, null, 0);
      const pT = prob.mul(target).add(prob.rsub(1).mul(target.rsub(1)));
      const alphaT = target.mul(ALPHA).add(target.rsub(1).mul(1 - ALPHA));
      const focal = alphaT.mul(ce.mul(pT.rsub(1).pow(GAMMA))).mean([1]).sum().div(numMasks);
      const numerator = prob.mul(target).sum([-1]).mul(2);
      const denominator = prob.sum([-1]).add(target.sum([-1]));
      const dice = numerator.add(1).div(denominator.add(1)).rsub(1).sum().div(numMasks);
      return [focal, dice] as [Tensor, Tensor];
    });
  }

  // Every image's masks at one size (`size`, the first image's): the batch's padded size.
  #checkTarget(t: MaskTarget, b: number, size: number[]): void {
    const m = t.labels.shape[0];
    if (t.labels.ndim !== 1 || t.labels.dtype !== "int64") throw new TypeError(`SetCriterion: targets[${b}].labels must be a 1-d int64 tensor, got ${t.labels.dtype} [${t.labels.shape.join(", ")}]`);
    if (t.masks.ndim !== 3 || t.masks.shape[0] !== m) throw new RangeError(`SetCriterion: targets[${b}].masks must be (${m}, H, W) for its ${m} labels, got [${t.masks.shape.join(", ")}]`);
    if (t.masks.shape.slice(1).join() !== size.join()) throw new RangeError(`SetCriterion: targets[${b}].masks are ${t.masks.shape.slice(1).join("×")}, targets[0].masks ${size.join("×")}; pad a batch's masks to one size`);
    if (m > 0) {
      const [low, high] = torch.tidy(() => [t.labels.min().item(), t.labels.max().item()]);
      if (low < 0 || high >= this.numClasses) throw new RangeError(`SetCriterion: targets[${b}].labels must be in [0, ${this.numClasses}), got values from ${low} to ${high}`);
    }
  }
}
