// COCOeval's default detection parameters (pycocotools Params.setDetParams): ten IoU thresholds
// 0.50:0.05:0.95 and 101 recall points 0:0.01:1, both made as numpy's linspace makes them (start +
// i·step, the last value set to stop) so that the floating-point thresholds are the same numbers.

export const COCO_IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
export const COCO_RECALL_THRESHOLDS = linspace(0, 1, 101);
/** Detections kept per image and category. */
export const COCO_MAX_DETECTIONS = [1, 10, 100];

export type CocoAreaName = "all" | "small" | "medium" | "large";
/** Object area ranges in pixels, both ends included. */
export const COCO_AREA_RANGES: { name: CocoAreaName; range: [number, number] }[] = [
  { name: "all", range: [0, 1e10] },
  { name: "small", range: [0, 32 ** 2] },
  { name: "medium", range: [32 ** 2, 96 ** 2] },
  { name: "large", range: [96 ** 2, 1e10] },
];

function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}
