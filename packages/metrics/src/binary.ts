/**
 * Foreground/background masks and probability maps. Hard metrics threshold the prediction and
 * reuse the ratio definitions; soft metrics use the probabilities themselves (as soft-Dice losses do).
 */
import { divide, type AbsentPolicy } from "./absent.js";
import type { Ratio } from "./ratios.js";

export interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface BinaryOptions {
  /** A prediction value counts as foreground when it is > threshold (default 0.5, so 0/1 masks work too). */
  threshold?: number;
  /** Target value whose pixels are dropped. */
  ignoreIndex?: number;
}

/** Counts for a mask or probability map against a 0/1 target (any non-zero target is foreground). */
export function binaryCounts(pred: ArrayLike<number>, target: ArrayLike<number>, options: BinaryOptions = {}): BinaryCounts {
  if (pred.length !== target.length) {
    throw new RangeError(`prediction has ${pred.length} pixels but target has ${target.length}`);
  }
  const { threshold = 0.5, ignoreIndex } = options;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < pred.length; i++) {
    const t = target[i];
    if (t === ignoreIndex) continue;
    const p = pred[i] > threshold;
    if (t !== 0) {
      if (p) tp++;
      else fn++;
    } else if (p) fp++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** A ratio metric (iou, dice, precision, ...) on binary counts; 0/0 per the absent-class policy. */
export function binaryScore(metric: Ratio, c: BinaryCounts, absent: AbsentPolicy = "mmseg"): number {
  return divide(metric.num(c.tp, c.fp, c.fn, c.tn), metric.den(c.tp, c.fp, c.fn, c.tn), absent);
}

export interface SoftOptions {
  /** Added to numerator and denominator; keeps empty-vs-empty finite (it is 1 then). */
  smooth?: number;
}

function softSums(prob: ArrayLike<number>, target: ArrayLike<number>) {
  if (prob.length !== target.length) {
    throw new RangeError(`probabilities have ${prob.length} pixels but target has ${target.length}`);
  }
  let inter = 0;
  let p = 0;
  let t = 0;
  for (let i = 0; i < prob.length; i++) {
    inter += prob[i] * target[i];
    p += prob[i];
    t += target[i];
  }
  return { inter, p, t };
}

/** Soft Dice: (2Σpt + s) / (Σp + Σt + s). With s = 0 an empty pair gives NaN. */
export function softDice(prob: ArrayLike<number>, target: ArrayLike<number>, { smooth = 0 }: SoftOptions = {}): number {
  const { inter, p, t } = softSums(prob, target);
  return (2 * inter + smooth) / (p + t + smooth);
}

/** Soft IoU: (Σpt + s) / (Σp + Σt − Σpt + s). */
export function softIoU(prob: ArrayLike<number>, target: ArrayLike<number>, { smooth = 0 }: SoftOptions = {}): number {
  const { inter, p, t } = softSums(prob, target);
  return (inter + smooth) / (p + t - inter + smooth);
}
