export { type AbsentPolicy, divide, zeroDivision } from "./absent.js";
export { binaryCounts, binaryScore, softDice, softIoU, type BinaryCounts, type BinaryOptions, type SoftOptions } from "./binary.js";
export { boundaryIoU, innerBand, type BoundaryIoUOptions } from "./boundary-iou.js";
export { classCountsOf, type ClassCounts } from "./class-counts.js";
export { ConfusionMatrix, type ConfusionMatrixJSON, type ConfusionMatrixOptions } from "./confusion-matrix.js";
export { percentile, surfaceDistances, type SurfaceDistances } from "./distance-metrics.js";
export { distanceTransform, squaredDistanceTransform, type Grid } from "./distance-transform.js";
export { LabelValueError, type LabelArray, type LabelRules } from "./labels.js";
export {
  cocoEvaluate,
  COCO_STAT_NAMES,
  type CocoDetection,
  type CocoEvalInput,
  type CocoEvalResult,
  type CocoGroundTruth,
  type CocoImageId,
  type CocoIouType,
  type CocoObject,
  type CocoStatName,
} from "./coco-eval.js";
export { COCO_AREA_RANGES, COCO_IOU_THRESHOLDS, COCO_MAX_DETECTIONS, COCO_RECALL_THRESHOLDS, type CocoAreaName } from "./coco-eval-params.js";
export { cohenKappa, frequencyWeightedIoU, normalizeMatrix, pixelAccuracy } from "./matrix-metrics.js";
export {
  PanopticQuality,
  type PanopticAverage,
  type PanopticClass,
  type PanopticMap,
  type PanopticOptions,
  type PanopticResult,
  type PanopticSegment,
} from "./panoptic-quality.js";
export { dice, fbeta, fnr, fpr, iou, precision, recall, specificity, tnr, tpr, type Ratio } from "./ratios.js";
export { perClass, reduce, reduceImagewise, type ImagewiseReduction, type Reduction, type ReduceOptions } from "./reductions.js";
export { checkRle, rleArea, rleDecode, rleEncode, rleToBbox, type Box, type Rle } from "./rle.js";
export { boxIou, rleIou } from "./rle-iou.js";
export { rleMerge } from "./rle-merge.js";
export { rleFromBox, rleFromPolygon } from "./rle-polygon.js";
export { rleFromString, rleToString } from "./rle-string.js";
export { report, summaryJSON, type ReportFormat, type ReportOptions } from "./report.js";
export { summarize, type Summary } from "./summary.js";
export { directedSurfaceDistances, surface } from "./surface.js";
