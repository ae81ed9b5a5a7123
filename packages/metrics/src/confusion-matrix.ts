/**
 * Streaming confusion matrix over label maps: rows are ground truth, columns are prediction
 * (mmsegmentation's and the numpy bincount layout, index gt*K + pred).
 */
import { classCountsOf, type ClassCounts } from "./class-counts.js";
import { buildRowTable, countAny, countUint8, pairBins, usePairTable } from "./histogram.js";
import { findInvalidLabel, type LabelArray, type LabelRules } from "./labels.js";

export interface ConfusionMatrixOptions extends Omit<LabelRules, "numClasses"> {
  /** Also keep one-vs-rest counts for every update, for imagewise reductions. */
  perImage?: boolean;
}

/** Serialised form, from `toJSON()`; `ConfusionMatrix.fromJSON` restores it. */
export interface ConfusionMatrixJSON {
  numClasses: number;
  ignoreIndex?: number;
  reduceZeroLabel?: boolean;
  outOfRange?: "error" | "ignore";
  counts: number[];
}

// One Int32 pass counts at most this many pixels (well under 2^31).
const CHUNK = 1 << 30;

export class ConfusionMatrix {
  readonly numClasses: number;
  readonly rules: LabelRules;
  /** K×K counts, row-major. Float64 holds exact integers up to 2^53 pixels. */
  readonly counts: Float64Array;
  /** One-vs-rest counts of each update, when constructed with `perImage: true`. */
  readonly images: ClassCounts[] = [];
  private readonly perImage: boolean;
  private readonly bins: Int32Array;
  private rowTable: Int32Array | undefined;

  constructor(numClasses: number, options: ConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    }
    const { perImage = false, ...rules } = options;
    this.numClasses = numClasses;
    this.rules = { numClasses, ...rules };
    this.perImage = perImage;
    this.counts = new Float64Array(numClasses * numClasses);
    this.bins = new Int32Array(pairBins(numClasses));
  }

  /**
   * Adds one prediction/ground-truth pair of equal length. `width` only makes error messages
   * name rows and columns. On a label error the matrix is left unchanged.
   */
  update(pred: LabelArray, gt: LabelArray, width?: number): this {
    if (pred.length !== gt.length) {
      throw new RangeError(`prediction has ${pred.length} pixels but ground truth has ${gt.length}`);
    }
    const k = this.numClasses;
    const bins = this.bins;
    bins.fill(0);
    for (let start = 0; start < gt.length; start += CHUNK) {
      const end = Math.min(gt.length, start + CHUNK);
      this.count(pred.subarray(start, end), gt.subarray(start, end));
    }
    if (bins[k * k + 1] > 0) {
      throw findInvalidLabel(this.rules, pred, gt, width) ?? new Error("label error not found on rescan");
    }
    for (let i = 0; i < k * k; i++) this.counts[i] += bins[i];
    if (this.perImage) this.images.push(classCountsOf(bins, k));
    return this;
  }

  private count(pred: LabelArray, gt: LabelArray): void {
    if (isBytes(pred) && isBytes(gt) && pred.byteOffset % 4 === 0 && gt.byteOffset % 4 === 0) {
      usePairTable(this.rules);
      countUint8(asUint8(pred), asUint8(gt), this.bins);
    } else {
      this.rowTable ??= buildRowTable(this.rules);
      countAny(pred, gt, this.rules, this.rowTable, this.bins);
    }
  }

  /** Adds another matrix's counts (for parallel or distributed evaluation). */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) {
      throw new RangeError(`cannot merge a ${other.numClasses}-class matrix into a ${this.numClasses}-class one`);
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.images.push(...other.images);
    return this;
  }

  reset(): this {
    this.counts.fill(0);
    this.images.length = 0;
    return this;
  }

  /** Count of pixels with ground truth `gt` predicted as `pred`. */
  at(gt: number, pred: number): number {
    return this.counts[gt * this.numClasses + pred];
  }

  /** Dataset-level one-vs-rest counts per class. */
  classCounts(): ClassCounts {
    return classCountsOf(this.counts, this.numClasses);
  }

  toJSON(): ConfusionMatrixJSON {
    const { numClasses, ...rules } = this.rules;
    return { numClasses, ...rules, counts: Array.from(this.counts) };
  }

  static fromJSON(json: ConfusionMatrixJSON): ConfusionMatrix {
    const { numClasses, counts, ...rules } = json;
    const m = new ConfusionMatrix(numClasses, rules);
    if (counts.length !== numClasses * numClasses) {
      throw new RangeError(`counts has ${counts.length} entries, expected ${numClasses}×${numClasses}`);
    }
    m.counts.set(counts);
    return m;
  }

  /** A matrix with given K×K counts (rows = ground truth), e.g. the surveys' worked examples. */
  static fromCounts(rows: number[][]): ConfusionMatrix {
    const m = new ConfusionMatrix(rows.length);
    rows.forEach((row, i) => {
      if (row.length !== rows.length) throw new RangeError(`row ${i} has ${row.length} entries, expected ${rows.length}`);
      m.counts.set(row, i * rows.length);
    });
    return m;
  }
}

function isBytes(a: LabelArray): a is Uint8Array | Uint8ClampedArray {
  return a instanceof Uint8Array || a instanceof Uint8ClampedArray;
}

function asUint8(a: Uint8Array | Uint8ClampedArray): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.length);
}
