// K-Net's losses for thing and stuff kernels (the authors' KernelUpdateHead.loss and get_targets in
// their panoptic configs), on every update stage: the thing kernels are matched to the thing targets
// (kernel-matcher.ts) with the previous stage's predictions (stage 0: the first masks, no class
// scores), as the authors' KernelIterHead assigns; stuff kernel s always stands for stuffClasses[s]
// and is its target when the image has that class. The sigmoid focal loss (α 0.25, γ 2) of the class
// logits against one-hot targets (all zero for an unassigned kernel), counted for thing kernels on
// the thing classes only and for stuff kernel s on its own class only, summed and divided by the
// batch's assigned kernels; over the assigned pairs, the mask logits upsampled (bilinear) to the
// targets' size, BCE averaged over pixels and the authors' dice loss 1 − 2 Σ m·t / (Σ m² + Σ t² + 2ε),
// ε 1e-3, averaged over pairs; the rank loss, each pixel's cross-entropy across kernels against the
// last assigned kernel whose target covers it, averaged over all pixels (uncovered ones count 0), at
// the masks' size (targets resized, nearest). Parts "s{stage}.loss_cls|loss_mask|loss_dice|loss_rank",
// each multiplied by its weight (2, 1, 4, 0.1 as the authors configure them). The first masks have
// their own losses, as the authors' ConvKernelHead.loss: "init.loss_mask|loss_dice|loss_rank" of the
// thing kernels (stage 0's assignment, which is made with them) and "init.loss_seg", the sigmoid focal
// loss of the generating head's class maps against every pixel's class (stuff segments, then thing
// segments over them; none elsewhere) summed and divided by the labelled pixels, weight 1.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Match, MaskTarget } from "../maskformer/mask-matcher.js";
import { matchKernels, type KernelMatchWeights } from "./kernel-matcher.js";

export interface KernelCriterionOptions extends Partial<KernelMatchWeights> {
  numClasses: number;
  numProposals: number;
  stuffClasses: number[];
}

/**
 * Every stage's class logits (stages, B, N+S, K) and mask logits (stages, B, N+S, h, w); the first
 * mask logits (B, N+S, h, w), which stage 0 is assigned with, and the generating head's class maps
 * (B, K, h, w) the stuff kernels' first masks come from.
 */
export interface KernelPredictions {
  logits: Tensor;
  masks: Tensor;
  initial: Tensor;
  semantic: Tensor;
}

const ALPHA = 0.25;
const GAMMA = 2;
const DICE_EPS = 1e-3;
/** The authors' loss_seg and loss_rank weights. */
const SEG_WEIGHT = 1;
const RANK_WEIGHT = 0.1;

/** The sigmoid focal loss (α 0.25, γ 2) of each logit against its 0/1 target. */
function focalLoss(logits: Tensor, target: Tensor): Tensor {
  return torch.tidy(() => {
    const p = logits.sigmoid();
    const ce = torch.binaryCrossEntropyWithLogits(logits, target, null, null, 0);
    const pT = p.mul(target).add(p.rsub(1).mul(target.rsub(1)));
    const alphaT = target.mul(ALPHA).add(target.rsub(1).mul(1 - ALPHA));
    return alphaT.mul(ce).mul(pT.rsub(1).pow(GAMMA));
  });
}

export class KernelCriterion {
  readonly numClasses: number;
  readonly numProposals: number;
  readonly stuffClasses: number[];
  readonly weights: KernelMatchWeights;

  constructor({ numClasses, numProposals, stuffClasses, classWeight = 2, maskWeight = 1, diceWeight = 4 }: KernelCriterionOptions) {
    for (const [key, v] of Object.entries({ classWeight, maskWeight, diceWeight })) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`KernelCriterion: ${key} must be a finite number ≥ 0, got ${v}`);
    }
    this.numClasses = numClasses;
    this.numProposals = numProposals;
    this.stuffClasses = stuffClasses;
    this.weights = { classWeight, maskWeight, diceWeight };
  }

  /**
   * The weighted parts of every stage against one target per image; `matches` receives each stage's
   * assignment (kernel indices over things and stuff); `assignments` (each stage's, per image) replaces
   * the matching, for tests that fix a reference's.
   */
  losses(predictions: KernelPredictions, targets: MaskTarget[], matches: Match[][] = [], assignments: Match[][] | null = null): Record<string, Tensor> {
    const [stages, n] = predictions.logits.shape;
    if (targets.length !== n) throw new RangeError(`KernelCriterion: ${n} images but ${targets.length} targets`);
    targets.forEach((t, b) => this.#checkTarget(t, b, targets[0].masks.shape.slice(1)));
    return torch.tidy(() => {
      const parts: Record<string, Tensor> = {};
      for (let s = 0; s < stages; s++) {
        const logits = predictions.logits.select(0, s);
        const masks = predictions.masks.select(0, s);
        const stageMatches = assignments?.[s] ?? targets.map((t, b) => this.#assign(s === 0 ? null : predictions.logits.select(0, s - 1).select(0, b),
          (s === 0 ? predictions.initial : predictions.masks.select(0, s - 1)).select(0, b), t));
        matches.push(stageMatches);
        const assigned = Math.max(1, stageMatches.reduce((sum, m) => sum + m.queries.length, 0));
        parts[`s${s}.loss_cls`] = this.#classLoss(logits, targets, stageMatches).div(assigned).mul(this.weights.classWeight);
        const [bce, dice] = this.#maskLosses(masks, targets, stageMatches, assigned);
        parts[`s${s}.loss_mask`] = bce.mul(this.weights.maskWeight);
        parts[`s${s}.loss_dice`] = dice.mul(this.weights.diceWeight);
        parts[`s${s}.loss_rank`] = this.#rankLoss(masks, targets, stageMatches).mul(RANK_WEIGHT);
      }
      // The first masks: stage 0's thing pairs.
      const thingMatches = matches[matches.length - stages].map((m) => {
        const things = Array.from(m.queries, (_, i) => i).filter((i) => m.queries[i] < this.numProposals);
        return { queries: Int32Array.from(things, (i) => m.queries[i]), targets: Int32Array.from(things, (i) => m.targets[i]) };
      });
      const thingAssigned = Math.max(1, thingMatches.reduce((sum, m) => sum + m.queries.length, 0));
      const [bce, dice] = this.#maskLosses(predictions.initial, targets, thingMatches, thingAssigned);
      parts["init.loss_mask"] = bce.mul(this.weights.maskWeight);
      parts["init.loss_dice"] = dice.mul(this.weights.diceWeight);
      parts["init.loss_rank"] = this.#rankLoss(predictions.initial.narrow(1, 0, this.numProposals), targets, thingMatches).mul(RANK_WEIGHT);
      parts["init.loss_seg"] = this.#segLoss(predictions.semantic, targets).mul(SEG_WEIGHT);
      return parts;
    });
  }

  // Things by the Hungarian assignment over the thing kernels, stuff by their fixed kernels; kernels ascending.
  #assign(logits: Tensor | null, masks: Tensor, target: MaskTarget): Match {
    const labels = Array.from(target.labels.toTypedArray() as BigInt64Array, Number);
    const things = labels.flatMap((c, j) => (this.stuffClasses.includes(c) ? [] : [j]));
    const pairs: [number, number][] = [];
    if (things.length > 0) {
      const index = torch.tensor(Int32Array.from(things), { dtype: "int64" });
      const thingTarget = { labels: target.labels.indexSelect(0, index), masks: target.masks.indexSelect(0, index) };
      const m = torch.tidy(() => matchKernels(logits?.narrow(0, 0, this.numProposals) ?? null, masks.narrow(0, 0, this.numProposals), thingTarget, this.weights));
      [index, thingTarget.labels, thingTarget.masks].forEach((t) => t.dispose());
      m.queries.forEach((kernel, k) => pairs.push([kernel, things[m.targets[k]]]));
    }
    labels.forEach((c, j) => {
      const s = this.stuffClasses.indexOf(c);
      if (s >= 0) pairs.push([this.numProposals + s, j]);
    });
    pairs.sort((a, b) => a[0] - b[0]);
    return { queries: Int32Array.from(pairs, (p) => p[0]), targets: Int32Array.from(pairs, (p) => p[1]) };
  }

  #classLoss(logits: Tensor, targets: MaskTarget[], matches: Match[]): Tensor {
    const [n, q, k] = logits.shape;
    const oneHot = new Float32Array(n * q * k);
    // Thing kernels learn the thing classes, stuff kernel s its own class only.
    const counted = new Float32Array(n * q * k);
    for (let b = 0; b < n; b++) {
      for (let kernel = 0; kernel < q; kernel++) {
        for (let c = 0; c < k; c++) {
          const stuff = this.stuffClasses.indexOf(c);
          counted[(b * q + kernel) * k + c] = (kernel < this.numProposals ? stuff < 0 : kernel - this.numProposals === stuff) ? 1 : 0;
        }
      }
    }
    matches.forEach((m, b) => {
      const labels = targets[b].labels.toTypedArray() as BigInt64Array;
      m.queries.forEach((kernel, i) => { oneHot[(b * q + kernel) * k + Number(labels[m.targets[i]])] = 1; });
    });
    return torch.tidy(() => {
      return focalLoss(logits, torch.tensor(oneHot, { shape: [n, q, k] })).mul(torch.tensor(counted, { shape: [n, q, k] })).sum();
    });
  }

  #maskLosses(masks: Tensor, targets: MaskTarget[], matches: Match[], assigned: number): [Tensor, Tensor] {
    const q = masks.shape[1];
    // No pair (no targets anywhere): zero, still tied to the graph.
    if (matches.every((m) => m.queries.length === 0)) return [masks.sum().mul(0), masks.sum().mul(0)];
    return torch.tidy(() => {
      const index = torch.tensor(Int32Array.from(matches.flatMap((m, b) => Array.from(m.queries, (kernel) => b * q + kernel))), { dtype: "int64" });
      const chosen = targets.flatMap((t, b) => (matches[b].queries.length === 0 ? [] : [t.masks.to("float32").indexSelect(0, torch.tensor(matches[b].targets, { dtype: "int64" }))]));
      const target = torch.cat(chosen).flatten(1);
      const size = targets[0].masks.shape.slice(1);
      const logits = nn.functional.interpolate(masks.flatten(0, 1).indexSelect(0, index).unsqueeze(1), { size, mode: "bilinear", alignCorners: false }).flatten(1);
      const bce = torch.binaryCrossEntropyWithLogits(logits, target, null, null, 0).mean([1]).sum().div(assigned);
      const prob = logits.sigmoid();
      const numerator = prob.mul(target).sum([-1]).mul(2);
      const denominator = prob.square().sum([-1]).add(target.square().sum([-1])).add(2 * DICE_EPS);
      const dice = numerator.div(denominator).rsub(1).sum().div(assigned);
      return [bce, dice] as [Tensor, Tensor];
    });
  }

  // Cross-entropy across kernels against each pixel's kernel (the last assigned kernel covering it), over every pixel.
  #rankLoss(masks: Tensor, targets: MaskTarget[], matches: Match[]): Tensor {
    const [n, , h, w] = masks.shape;
    const rank = new Int32Array(n * h * w).fill(-1);
    targets.forEach((t, b) => {
      const m = matches[b];
      if (m.queries.length === 0) return;
      const covered = torch.tidy(() => nn.functional.interpolate(t.masks.to("float32").unsqueeze(1), { size: [h, w], mode: "nearest" }).gt(0).to("uint8").toTypedArray()) as Uint8Array;
      m.queries.forEach((kernel, i) => {
        const offset = m.targets[i] * h * w;
        for (let p = 0; p < h * w; p++) if (covered[offset + p]) rank[b * h * w + p] = kernel;
      });
    });
    return torch.tidy(() => torch.crossEntropyLoss(masks, torch.tensor(rank, { shape: [n, h, w], dtype: "int64" }), null, 0, -1).mean());
  }

  // Sigmoid focal loss of the class maps against each pixel's class, over the labelled pixels.
  #segLoss(semantic: Tensor, targets: MaskTarget[]): Tensor {
    const [n, k] = semantic.shape;
    const size = targets[0].masks.shape.slice(1);
    const [h, w] = size;
    const oneHot = new Float32Array(n * k * h * w);
    let labelled = 0;
    targets.forEach((t, b) => {
      const labels = Array.from(t.labels.toTypedArray() as BigInt64Array, Number);
      const masks = torch.tidy(() => t.masks.gt(0).to("uint8").toTypedArray()) as Uint8Array;
      const pixelClass = new Int32Array(h * w).fill(-1);
      // Stuff first, things over them, as the authors' seg_targets.
      const order = [...labels.keys()].sort((i, j) => Number(!this.stuffClasses.includes(labels[i])) - Number(!this.stuffClasses.includes(labels[j])));
      for (const j of order) for (let p = 0; p < h * w; p++) if (masks[j * h * w + p]) pixelClass[p] = labels[j];
      pixelClass.forEach((c, p) => {
        if (c < 0) return;
        oneHot[(b * k + c) * h * w + p] = 1;
        labelled++;
      });
    });
    return torch.tidy(() => {
      const logits = nn.functional.interpolate(semantic, { size, mode: "bilinear", alignCorners: false });
      return focalLoss(logits, torch.tensor(oneHot, { shape: [n, k, h, w] })).sum().div(Math.max(1, labelled));
    });
  }

  // Every image's masks at one size (`size`, the first image's): the batch's padded size.
  #checkTarget(t: MaskTarget, b: number, size: number[]): void {
    const m = t.labels.shape[0];
    if (t.labels.ndim !== 1 || t.labels.dtype !== "int64") throw new TypeError(`KernelCriterion: targets[${b}].labels must be a 1-d int64 tensor, got ${t.labels.dtype} [${t.labels.shape.join(", ")}]`);
    if (t.masks.ndim !== 3 || t.masks.shape[0] !== m) throw new RangeError(`KernelCriterion: targets[${b}].masks must be (${m}, H, W) for its ${m} labels, got [${t.masks.shape.join(", ")}]`);
    if (t.masks.shape.slice(1).join() !== size.join()) throw new RangeError(`KernelCriterion: targets[${b}].masks are ${t.masks.shape.slice(1).join("×")}, targets[0].masks ${size.join("×")}; pad a batch's masks to one size`);
    if (m > 0) {
      const [low, high] = torch.tidy(() => [t.labels.min().item(), t.labels.max().item()]);
      if (low < 0 || high >= this.numClasses) throw new RangeError(`KernelCriterion: targets[${b}].labels must be in [0, ${this.numClasses}), got values from ${low} to ${high}`);
    }
  }
}
