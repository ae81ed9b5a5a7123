/**
 * COCO detection and instance segmentation metrics as pycocotools' COCOeval computes them (iouType
 * "segm" on RLE masks or "bbox" on boxes, default parameters): AP averaged over IoU 0.50:0.95, AP50,
 * AP75, AP for small/medium/large objects, AR at 1/10/100 detections per image and per category,
 * AR by size; and AP per category (over IoU thresholds, all areas, 100 detections, as Detectron2
 * reports it). A value is -1 where no ground truth counts, as in pycocotools.
 *
 * Ground-truth areas are the annotations' own "area" fields, detection areas what the caller
 * measured (pycocotools: mask area, or box area when results carry boxes).
 */
import { accumulate } from "./coco-eval-accumulate.js";
import { matchImage, type ImageMatches } from "./coco-eval-match.js";
import { COCO_AREA_RANGES, COCO_IOU_THRESHOLDS, COCO_MAX_DETECTIONS, COCO_RECALL_THRESHOLDS, type CocoAreaName } from "./coco-eval-params.js";
import type { Box, Rle } from "./rle.js";
import { boxIou, rleIou } from "./rle-iou.js";

export type CocoIouType = "segm" | "bbox";
export type CocoImageId = number | string;

export interface CocoObject {
  imageId: CocoImageId;
  categoryId: number;
  area: number;
  /** The mask (iouType "segm"). */
  rle?: Rle;
  /** The box [x, y, w, h] (iouType "bbox"). */
  box?: Box;
}

export interface CocoGroundTruth extends CocoObject {
  iscrowd: boolean;
}

export interface CocoDetection extends CocoObject {
  score: number;
}

export interface CocoEvalInput {
  iouType: CocoIouType;
  imageIds: readonly CocoImageId[];
  categoryIds: readonly number[];
  groundTruth: readonly CocoGroundTruth[];
  detections: readonly CocoDetection[];
}

export const COCO_STAT_NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"] as const;
export type CocoStatName = (typeof COCO_STAT_NAMES)[number];

export interface CocoEvalResult {
  stats: Record<CocoStatName, number>;
  perCategory: { categoryId: number; ap: number }[];
  /** pycocotools' eval["precision"], [threshold][recall point][category][area][max detections], -1 where undefined. */
  precision: Float64Array;
  /** pycocotools' eval["recall"], [threshold][category][area][max detections]. */
  recall: Float64Array;
}

export function cocoEvaluate(input: CocoEvalInput): CocoEvalResult {
  const imageIds = [...new Set(input.imageIds)].sort(compareIds);
  const categoryIds = [...new Set(input.categoryIds)].sort((a, b) => a - b);
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]));
  const categoryIndex = new Map(categoryIds.map((id, k) => [id, k]));
  const cells = new Map<number, { gts: CocoGroundTruth[]; dts: CocoDetection[] }>(); // per (category, image)
  const cellOf = (o: CocoObject, what: string, i: number) => {
    const image = imageIndex.get(o.imageId);
    const category = categoryIndex.get(o.categoryId);
    if (image === undefined) throw new RangeError(`${what} ${i}: image id ${JSON.stringify(o.imageId)} is not among the images`);
    if (category === undefined) throw new RangeError(`${what} ${i}: category id ${o.categoryId} is not among the categories`);
    if ((input.iouType === "segm" ? o.rle : o.box) === undefined) throw new RangeError(`${what} ${i} has no ${input.iouType === "segm" ? "mask" : "box"} for iouType "${input.iouType}"`);
    const key = category * imageIds.length + image;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { gts: [], dts: [] }));
    return cell;
  };
  input.groundTruth.forEach((g, i) => cellOf(g, "ground truth", i).gts.push(g));
  input.detections.forEach((d, i) => cellOf(d, "detection", i).dts.push(d));

  const T = COCO_IOU_THRESHOLDS.length, R = COCO_RECALL_THRESHOLDS.length, K = categoryIds.length, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETECTIONS.length;
  const maxDetections = COCO_MAX_DETECTIONS[M - 1];
  // evaluations[k][a]: the matches of every image with objects or detections of category k, in image order
  const evaluations = categoryIds.map(() => COCO_AREA_RANGES.map((): ImageMatches[] => []));
  for (const key of [...cells.keys()].sort((a, b) => a - b)) {
    const { gts, dts: all } = cells.get(key)!;
    const dts = [...all].sort((a, b) => b.score - a.score).slice(0, maxDetections); // stable: ties keep file order
    const crowd = gts.map((g) => g.iscrowd);
    const ious = input.iouType === "segm" ? rleIou(dts.map((d) => d.rle!), gts.map((g) => g.rle!), crowd) : boxIou(dts.map((d) => d.box!), gts.map((g) => g.box!), crowd);
    const k = Math.floor(key / imageIds.length);
    const match = { scores: dts.map((d) => d.score), detectionAreas: dts.map((d) => d.area), gtAreas: gts.map((g) => g.area), crowd, ious };
    COCO_AREA_RANGES.forEach(({ range }, a) => evaluations[k][a].push(matchImage(match, range, COCO_IOU_THRESHOLDS)));
  }

  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      for (let m = 0; m < M; m++) {
        const curve = accumulate(evaluations[k][a], COCO_MAX_DETECTIONS[m], COCO_RECALL_THRESHOLDS, T);
        if (!curve) continue;
        for (let t = 0; t < T; t++) {
          recall[((t * K + k) * A + a) * M + m] = curve.recall[t];
          for (let r = 0; r < R; r++) precision[(((t * R + r) * K + k) * A + a) * M + m] = curve.precision[t][r];
        }
      }
    }
  }

  /** The mean of the defined entries at one area range and detection limit, over all or one IoU threshold and the given categories. */
  const mean = (values: Float64Array, perThreshold: number, area: CocoAreaName, maxDets: number, iou?: number, categories = categoryIds.map((_, k) => k)) => {
    const a = COCO_AREA_RANGES.findIndex((r) => r.name === area);
    const m = COCO_MAX_DETECTIONS.indexOf(maxDets);
    let sum = 0, n = 0;
    COCO_IOU_THRESHOLDS.forEach((threshold, t) => {
      if (iou !== undefined && threshold !== iou) return;
      for (let r = 0; r < perThreshold; r++) {
        for (const k of categories) {
          const v = values[((((t * perThreshold + r) * K + k) * A + a) * M) + m];
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
    });
    return n > 0 ? sum / n : -1;
  };
  const ap = (area: CocoAreaName, iou?: number) => mean(precision, R, area, 100, iou);
  const ar = (area: CocoAreaName, maxDets: number) => mean(recall, 1, area, maxDets);
  const stats: Record<CocoStatName, number> = {
    AP: ap("all"), AP50: ap("all", 0.5), AP75: ap("all", 0.75), APs: ap("small"), APm: ap("medium"), APl: ap("large"),
    AR1: ar("all", 1), AR10: ar("all", 10), AR100: ar("all", 100), ARs: ar("small", 100), ARm: ar("medium", 100), ARl: ar("large", 100),
  };
  const perCategory = categoryIds.map((categoryId, k) => ({ categoryId, ap: mean(precision, R, "all", 100, undefined, [k]) }));
  return { stats, perCategory, precision, recall };
}

/** pycocotools sorts image ids (np.unique): numbers numerically, strings by code point. */
function compareIds(a: CocoImageId, b: CocoImageId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
