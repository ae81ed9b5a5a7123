/**
 * Panoptic quality (Kirillov et al., CVPR 2019) over panoptic label maps, where each pixel holds
 * a segment id = category × labelDivisor + instance (the Cityscapes/COCO-style encoding).
 * A predicted and a ground-truth segment of the same category match when their IoU exceeds 0.5,
 * which makes matching unique. Pixels of ground-truth category `ignoreCategory` are void: they are
 * left out of IoUs, and an unmatched prediction lying mostly (> 50%) in void is not a false
 * positive. Predicted segments of that category are "no prediction" and never counted.
 * Crowd regions are not modelled.
 *
 * Per category: PQ = Σ IoU(matched) / (TP + FP/2 + FN/2) = SQ × RQ, with SQ the mean IoU of the
 * matches and RQ = TP / (TP + FP/2 + FN/2). Averages are over categories that occur (TP+FP+FN > 0).
 */
import type { LabelArray } from "./labels.js";

export interface PanopticOptions {
  numCategories: number;
  /** Categories that have instances; the rest are stuff. */
  things: readonly number[];
  labelDivisor?: number;
  /** Ground-truth category of unlabelled (void) pixels; 255 by default. */
  ignoreCategory?: number;
}

export interface PanopticClass {
  pq: number;
  sq: number;
  rq: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface PanopticAverage {
  pq: number;
  sq: number;
  rq: number;
  /** Number of categories averaged. */
  n: number;
}

export interface PanopticResult {
  perClass: PanopticClass[];
  all: PanopticAverage;
  things: PanopticAverage;
  stuff: PanopticAverage;
}

/** Accumulates matches over images; `result()` gives PQ/SQ/RQ. */
export class PanopticQuality {
  private readonly iouSum: Float64Array;
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private readonly divisor: number;
  private readonly voidCategory: number;

  constructor(private readonly options: PanopticOptions) {
    const k = options.numCategories;
    this.iouSum = new Float64Array(k);
    this.tp = new Float64Array(k);
    this.fp = new Float64Array(k);
    this.fn = new Float64Array(k);
    this.divisor = options.labelDivisor ?? 1000;
    this.voidCategory = options.ignoreCategory ?? 255;
  }

  private categoryOf(id: number, map: string, index: number): number {
    const c = Math.floor(id / this.divisor);
    if (c === this.voidCategory) return c;
    if (!(c >= 0 && c < this.options.numCategories)) {
      throw new RangeError(`${map} segment id ${id} at pixel ${index} has category ${c}, outside 0..${this.options.numCategories - 1}`);
    }
    return c;
  }

  update(pred: LabelArray, gt: LabelArray): this {
    if (pred.length !== gt.length) throw new RangeError(`prediction has ${pred.length} pixels but ground truth has ${gt.length}`);
    const gtArea = new Map<number, number>();
    const predArea = new Map<number, number>();
    const predVoid = new Map<number, number>(); // predicted pixels lying on void ground truth
    const overlap = new Map<string, number>();
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      const p = pred[i];
      this.categoryOf(p, "prediction", i);
      predArea.set(p, (predArea.get(p) ?? 0) + 1);
      if (this.categoryOf(g, "ground truth", i) === this.voidCategory) {
        predVoid.set(p, (predVoid.get(p) ?? 0) + 1);
        continue;
      }
      gtArea.set(g, (gtArea.get(g) ?? 0) + 1);
      const key = `${g},${p}`;
      overlap.set(key, (overlap.get(key) ?? 0) + 1);
    }
    const matchedGt = new Set<number>();
    const matchedPred = new Set<number>();
    for (const [key, inter] of overlap) {
      const [g, p] = key.split(",").map(Number);
      const c = Math.floor(g / this.divisor);
      if (Math.floor(p / this.divisor) !== c) continue;
      // Void pixels are no part of the union.
      const union = gtArea.get(g)! + predArea.get(p)! - (predVoid.get(p) ?? 0) - inter;
      const iou = inter / union;
      if (iou <= 0.5) continue;
      matchedGt.add(g);
      matchedPred.add(p);
      this.tp[c]++;
      this.iouSum[c] += iou;
    }
    for (const g of gtArea.keys()) if (!matchedGt.has(g)) this.fn[Math.floor(g / this.divisor)]++;
    for (const [p, area] of predArea) {
      const c = Math.floor(p / this.divisor);
      if (c === this.voidCategory || matchedPred.has(p) || (predVoid.get(p) ?? 0) / area > 0.5) continue;
      this.fp[c]++;
    }
    return this;
  }

  result(): PanopticResult {
    const perClass: PanopticClass[] = [];
    for (let c = 0; c < this.options.numCategories; c++) {
      const tp = this.tp[c];
      const fp = this.fp[c];
      const fn = this.fn[c];
      const rq = tp / (tp + fp / 2 + fn / 2); // NaN for a category that never occurs
      const sq = tp > 0 ? this.iouSum[c] / tp : tp + fp + fn > 0 ? 0 : NaN;
      perClass.push({ pq: sq * rq, sq, rq, tp, fp, fn });
    }
    const things = new Set(this.options.things);
    const average = (keep: (c: number) => boolean): PanopticAverage => {
      const used = perClass.filter((r, c) => keep(c) && r.tp + r.fp + r.fn > 0);
      const n = used.length;
      const avg = (f: (r: PanopticClass) => number) => used.reduce((s, r) => s + f(r), 0) / n;
      return { pq: avg((r) => r.pq), sq: avg((r) => r.sq), rq: avg((r) => r.rq), n };
    };
    return {
      perClass,
      all: average(() => true),
      things: average((c) => things.has(c)),
      stuff: average((c) => !things.has(c)),
    };
  }
}
