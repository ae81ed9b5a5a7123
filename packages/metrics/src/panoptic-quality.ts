/**
 * Panoptic quality (Kirillov et al., CVPR 2019) with panopticapi's definitions (pq_compute). Each
 * image comes as two maps of segment ids with the segments they hold (id 0 = void): a predicted
 * and a ground-truth segment of the same category match when their IoU exceeds 0.5, which makes
 * matching unique. Void ground-truth pixels are left out of the union. Crowd ground-truth regions
 * are never matched and never missed; an unmatched prediction is no false positive when more than
 * half of it lies on void or on a crowd region of its own category.
 *
 * Per category: PQ = Σ IoU(matched) / (TP + FP/2 + FN/2) = SQ × RQ, with SQ the mean IoU of the
 * matches and RQ = TP / (TP + FP/2 + FN/2). Averages are over categories that occur (TP+FP+FN > 0);
 * a category that never occurs has NaN scores (panopticapi lists 0 but also leaves it out).
 *
 * `update` takes label maps whose pixels hold category × labelDivisor + instance (the Cityscapes
 * style encoding), void being the ground-truth category `ignoreCategory`; `updateSegments` takes
 * id maps with segment lists, as COCO panoptic PNGs and JSON give them.
 */
import type { LabelArray } from "./labels.js";

export interface PanopticOptions {
  numCategories: number;
  /** Categories that have instances; the rest are stuff. */
  things: readonly number[];
  labelDivisor?: number;
  /** Category of unlabelled (void) pixels in `update`'s label maps; 255 by default. */
  ignoreCategory?: number;
}

export interface PanopticSegment {
  /** Category index, 0..numCategories−1. */
  category: number;
  /** Ground truth only: a crowd region. */
  iscrowd?: boolean;
  /** Ground truth only: the area used in unions (panopticapi takes the annotation's); counted from the map when absent. */
  area?: number;
}

export interface PanopticMap {
  /** Segment id per pixel; 0 is void. */
  ids: ArrayLike<number>;
  /** The segments by id. A predicted segment must have pixels; a ground-truth one may not (then it is only missed). */
  segments: Map<number, PanopticSegment>;
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

  /** Label maps (category × labelDivisor + instance); void-category predictions are "no prediction". */
  update(pred: LabelArray, gt: LabelArray): this {
    if (pred.length !== gt.length) throw new RangeError(`prediction has ${pred.length} pixels but ground truth has ${gt.length}`);
    return this.updateSegments(this.segmentsOf(pred, "prediction"), this.segmentsOf(gt, "ground truth"));
  }

  /** Label ids → segment ids (id + 1, so that 0 is free for void). */
  private segmentsOf(labels: LabelArray, map: string): PanopticMap {
    const ids = new Float64Array(labels.length);
    const segments = new Map<number, PanopticSegment>();
    for (let i = 0; i < labels.length; i++) {
      const id = labels[i];
      const category = Math.floor(id / this.divisor);
      if (category === this.voidCategory) continue;
      if (!(category >= 0 && category < this.options.numCategories)) {
        throw new RangeError(`${map} segment id ${id} at pixel ${i} has category ${category}, outside 0..${this.options.numCategories - 1}`);
      }
      ids[i] = id + 1;
      if (!segments.has(id + 1)) segments.set(id + 1, { category });
    }
    return { ids, segments };
  }

  updateSegments(pred: PanopticMap, gt: PanopticMap): this {
    if (pred.ids.length !== gt.ids.length) throw new RangeError(`prediction has ${pred.ids.length} pixels but ground truth has ${gt.ids.length}`);
    for (const [name, map] of [["prediction", pred], ["ground truth", gt]] as const) {
      for (const [id, s] of map.segments) {
        if (!(Number.isInteger(s.category) && s.category >= 0 && s.category < this.options.numCategories)) {
          throw new RangeError(`${name} segment ${id} has category ${s.category}, outside 0..${this.options.numCategories - 1}`);
        }
      }
    }
    // Areas, and overlaps keyed gt id × (largest pred id + 1) + pred id.
    const predArea = new Map<number, number>();
    const gtArea = new Map<number, number>();
    const overlap = new Map<number, number>();
    let stride = 1;
    for (const id of pred.segments.keys()) stride = Math.max(stride, id + 1);
    for (let i = 0; i < gt.ids.length; i++) {
      const p = pred.ids[i];
      const g = gt.ids[i];
      if (p !== 0 && !pred.segments.has(p)) throw new RangeError(`prediction segment id ${p} at pixel ${i} is not in its segment list`);
      if (g !== 0 && !gt.segments.has(g)) throw new RangeError(`ground-truth segment id ${g} at pixel ${i} is not in its segment list`);
      predArea.set(p, (predArea.get(p) ?? 0) + 1);
      gtArea.set(g, (gtArea.get(g) ?? 0) + 1);
      const key = g * stride + p;
      overlap.set(key, (overlap.get(key) ?? 0) + 1);
    }
    const absent = [...pred.segments.keys()].filter((id) => !predArea.has(id));
    if (absent.length > 0) throw new RangeError(`prediction segment${absent.length > 1 ? "s" : ""} ${absent.join(", ")} listed but not in the map`);
    const onVoid = (p: number) => overlap.get(p) ?? 0; // g = 0

    const matchedGt = new Set<number>();
    const matchedPred = new Set<number>();
    for (const [key, inter] of overlap) {
      const p = key % stride;
      const g = (key - p) / stride;
      const gs = gt.segments.get(g);
      const ps = pred.segments.get(p);
      if (!gs || !ps || gs.iscrowd || gs.category !== ps.category) continue;
      const union = predArea.get(p)! + (gs.area ?? gtArea.get(g)!) - inter - onVoid(p);
      const iou = inter / union;
      if (iou <= 0.5) continue;
      this.tp[gs.category]++;
      this.iouSum[gs.category] += iou;
      matchedGt.add(g);
      matchedPred.add(p);
    }
    const crowdOf = new Map<number, number>(); // category → its (last listed) crowd segment
    for (const [g, s] of gt.segments) {
      if (matchedGt.has(g)) continue;
      if (s.iscrowd) crowdOf.set(s.category, g);
      else this.fn[s.category]++;
    }
    for (const [p, s] of pred.segments) {
      if (matchedPred.has(p)) continue;
      const crowd = crowdOf.get(s.category);
      const ignored = onVoid(p) + (crowd === undefined ? 0 : overlap.get(crowd * stride + p) ?? 0);
      if (ignored / predArea.get(p)! > 0.5) continue;
      this.fp[s.category]++;
    }
    return this;
  }

  result(): PanopticResult {
    const perClass: PanopticClass[] = [];
    for (let c = 0; c < this.options.numCategories; c++) {
      const tp = this.tp[c];
      const fp = this.fp[c];
      const fn = this.fn[c];
      const weighted = tp + fp / 2 + fn / 2; // 0 for a category that never occurs: NaN scores
      const sq = tp > 0 ? this.iouSum[c] / tp : weighted > 0 ? 0 : NaN;
      perClass.push({ pq: this.iouSum[c] / weighted, sq, rq: tp / weighted, tp, fp, fn });
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
