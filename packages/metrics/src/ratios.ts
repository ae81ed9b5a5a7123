/**
 * Per-class metrics as ratios of one-vs-rest counts. Keeping numerator and denominator apart lets
 * the reductions do micro averaging (sum both, then divide) and lets the absent-class policy see
 * 0/0 instead of a NaN.
 */
export interface Ratio {
  readonly name: string;
  num(tp: number, fp: number, fn: number, tn: number): number;
  den(tp: number, fp: number, fn: number, tn: number): number;
}

const ratio = (name: string, num: Ratio["num"], den: Ratio["den"]): Ratio => ({ name, num, den });

/** Intersection over union (Jaccard): tp / (tp + fp + fn). */
export const iou = ratio("IoU", (tp) => tp, (tp, fp, fn) => tp + fp + fn);
/** Dice = F1: 2tp / (2tp + fp + fn). */
export const dice = ratio("Dice", (tp) => 2 * tp, (tp, fp, fn) => 2 * tp + fp + fn);
/** Precision, column-normalised: tp / (tp + fp). The surveys' "class pixel accuracy" (CPA). */
export const precision = ratio("Precision", (tp) => tp, (tp, fp) => tp + fp);
/** Recall = sensitivity = TPR, row-normalised: tp / (tp + fn). mmsegmentation's per-class "Acc". */
export const recall = ratio("Recall", (tp) => tp, (tp, _fp, fn) => tp + fn);
/** Specificity = TNR: tn / (tn + fp). */
export const specificity = ratio("Specificity", (_tp, _fp, _fn, tn) => tn, (_tp, fp, _fn, tn) => tn + fp);
/** False positive rate: fp / (fp + tn). */
export const fpr = ratio("FPR", (_tp, fp) => fp, (_tp, fp, _fn, tn) => fp + tn);
/** False negative rate (miss rate): fn / (fn + tp). */
export const fnr = ratio("FNR", (_tp, _fp, fn) => fn, (tp, _fp, fn) => tp + fn);

/** Fβ: (1+β²)tp / ((1+β²)tp + β²fn + fp). β > 1 weighs recall more; β = 1 is Dice. */
export function fbeta(beta: number): Ratio {
  const b2 = beta * beta;
  return ratio(`F${beta}`, (tp) => (1 + b2) * tp, (tp, fp, fn) => (1 + b2) * tp + b2 * fn + fp);
}

/** True positive rate: recall under the name ROC analysis uses. */
export const tpr = recall;
/** True negative rate: specificity under the name ROC analysis uses. */
export const tnr = specificity;
