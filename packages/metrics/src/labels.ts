/**
 * How raw label values map to confusion-matrix rows and columns, and the error raised for values
 * that fit nowhere. Shared by the streaming confusion matrix and anything else that reads label maps.
 */

/** Integer label maps. Float arrays are refused: labels are class indices, not scores. */
export type LabelArray =
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array;

export interface LabelRules {
  numClasses: number;
  /** Ground-truth value whose pixels are dropped (mmsegmentation's default is 255). */
  ignoreIndex?: number;
  /** ADE20K convention: ground truth 0 is ignored and every other value v becomes v - 1. */
  reduceZeroLabel?: boolean;
  /** Ground-truth values outside [0, K) that are not `ignoreIndex`: an error (default) or dropped. */
  outOfRange?: "error" | "ignore";
}

/** Row lookup result for a pixel that does not count. */
export const IGNORED = -1;
/** Row lookup result for a ground-truth value that is neither a class nor ignored. */
export const INVALID = -2;

/** Matrix row for a raw ground-truth value, or IGNORED / INVALID. */
export function gtRow(rules: LabelRules, value: number): number {
  if (value === rules.ignoreIndex) return IGNORED;
  let v = value;
  if (rules.reduceZeroLabel) {
    if (v === 0) return IGNORED;
    v -= 1;
  }
  if (Number.isInteger(v) && v >= 0 && v < rules.numClasses) return v;
  return rules.outOfRange === "ignore" ? IGNORED : INVALID;
}

/** A label value that fits no class, with where it was found. */
export class LabelValueError extends Error {
  constructor(
    readonly map: "ground truth" | "prediction",
    readonly value: number,
    readonly index: number,
    readonly width: number | undefined,
    detail: string,
  ) {
    const where = width ? `pixel ${index} (row ${Math.floor(index / width)}, column ${index % width})` : `index ${index}`;
    super(`${map} has label ${value} at ${where}; ${detail}`);
    this.name = "LabelValueError";
  }
}

/** Finds the first pixel that breaks the rules and returns the error describing it (or null). */
export function findInvalidLabel(
  rules: LabelRules,
  pred: LabelArray,
  gt: LabelArray,
  width?: number,
): LabelValueError | null {
  const k = rules.numClasses;
  for (let i = 0; i < gt.length; i++) {
    const row = gtRow(rules, gt[i]);
    if (row === INVALID) {
      const lo = rules.reduceZeroLabel ? 1 : 0; // reduceZeroLabel reads raw 1..K as classes 0..K-1
      const ignore = rules.ignoreIndex === undefined ? "" : ` and the ignore index ${rules.ignoreIndex}`;
      return new LabelValueError("ground truth", gt[i], i, width,
        `valid values are ${lo}..${k - 1 + lo}${ignore} (outOfRange: "ignore" drops such pixels)`);
    }
    const p = pred[i];
    if (row !== IGNORED && !(p >= 0 && p < k)) {
      return new LabelValueError("prediction", p, i, width, `valid values are 0..${k - 1}`);
    }
  }
  return null;
}
