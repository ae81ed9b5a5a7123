/**
 * The standard set of numbers for a confusion matrix, named as mmsegmentation names them so that
 * results can be compared line by line. Values are fractions in [0, 1].
 */
import type { AbsentPolicy } from "./absent.js";
import type { ConfusionMatrix } from "./confusion-matrix.js";
import { frequencyWeightedIoU, pixelAccuracy } from "./matrix-metrics.js";
import { dice, iou, precision, recall } from "./ratios.js";
import { perClass, reduce } from "./reductions.js";

export interface Summary {
  /** Pixel accuracy (PA). */
  aAcc: number;
  /** Mean IoU. */
  mIoU: number;
  /** Mean per-class recall: mmsegmentation's mAcc, the FCN paper's "mean accuracy". */
  mAcc: number;
  /** Mean per-class precision: the mean of what the surveys call CPA. */
  mPrecision: number;
  mDice: number;
  fwIoU: number;
  IoU: Float64Array;
  /** Per-class recall (row-normalised diagonal). */
  Acc: Float64Array;
  /** Per-class precision (column-normalised diagonal), the surveys' CPA. */
  Precision: Float64Array;
  Dice: Float64Array;
}

export function summarize(cm: ConfusionMatrix, absent: AbsentPolicy = "mmseg"): Summary {
  const c = cm.classCounts();
  const k = cm.numClasses;
  const options = { absent };
  return {
    aAcc: pixelAccuracy(cm.counts, k, absent),
    mIoU: reduce(iou, c, "macro", options),
    mAcc: reduce(recall, c, "macro", options),
    mPrecision: reduce(precision, c, "macro", options),
    mDice: reduce(dice, c, "macro", options),
    fwIoU: frequencyWeightedIoU(cm.counts, k, absent),
    IoU: perClass(iou, c, options),
    Acc: perClass(recall, c, options),
    Precision: perClass(precision, c, options),
    Dice: perClass(dice, c, options),
  };
}
