// COCO panoptic evaluation from files, as panopticapi's pq_compute reads them: a ground-truth and a
// predicted panoptic JSON, each with a folder of PNG id maps (by default the JSON's path without
// ".json"), paired by image_id; categories (and which are things) from the ground truth; ground-truth
// areas from segments_info (counted from the PNG when absent). Errors name the file and key.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { PanopticQuality, type PanopticResult, type PanopticSegment } from "@segkit/metrics";
import { categoryIndex, cocoCategories, JsonFields, readCocoJson } from "../data/datasets/coco-json.js";
import { readPanopticPng } from "../io/panoptic-png.js";

export interface CocoPanopticFiles {
  gt: string;
  pred: string;
  gtDir?: string;
  predDir?: string;
}

export interface CocoPanopticEvaluation {
  result: PanopticResult;
  /** The ground truth's categories in file order (the indices of result.perClass). */
  categories: { id: number; name: string; isThing: boolean }[];
  images: number;
}

export async function evaluateCocoPanoptic(files: CocoPanopticFiles): Promise<CocoPanopticEvaluation> {
  const gtJson = new JsonFields(readCocoJson(files.gt, "--gt"), files.gt);
  const predJson = new JsonFields(readCocoJson(files.pred, "--pred"), files.pred);
  const gtDir = folder(files.gtDir, files.gt, "--gt-dir");
  const predDir = folder(files.predDir, files.pred, "--pred-dir");
  const categories = cocoCategories(gtJson, false);
  const predictions = new Map<number | string, JsonFields>();
  for (const p of predJson.objects("annotations")) {
    const imageId = p.id("image_id");
    if (predictions.has(imageId)) throw new Error(`${p.path}.image_id ${JSON.stringify(imageId)} is listed twice`);
    predictions.set(imageId, p);
  }
  const pq = new PanopticQuality({ numCategories: categories.names.length, things: categories.isThing.flatMap((t, c) => (t ? [c] : [])) });
  const annotations = gtJson.objects("annotations");
  for (const gt of annotations) {
    const imageId = gt.id("image_id");
    const pred = predictions.get(imageId);
    if (!pred) throw new Error(`${files.pred} has no annotation for image_id ${JSON.stringify(imageId)} (${gt.path})`);
    const gtPng = join(gtDir, gt.string("file_name"));
    const predPng = join(predDir, pred.string("file_name"));
    const [gtIds, predIds] = await Promise.all([readPanopticPng(gtPng), readPanopticPng(predPng)]);
    if (gtIds.width !== predIds.width || gtIds.height !== predIds.height) {
      throw new Error(`size mismatch: ${predPng} is ${predIds.width}×${predIds.height} but ${gtPng} is ${gtIds.width}×${gtIds.height}`);
    }
    const gtSegments = segmentsOf(gt, categories, true);
    const predSegments = segmentsOf(pred, categories, false);
    try {
      pq.updateSegments({ ids: predIds.ids, segments: predSegments }, { ids: gtIds.ids, segments: gtSegments });
    } catch (e) {
      const [png, listed] = (e as Error).message.startsWith("prediction") ? [predPng, pred.path] : [gtPng, gt.path];
      throw new Error(`${png} and ${listed}.segments_info: ${(e as Error).message}`);
    }
  }
  const result = pq.result();
  const ids = [...categories.indexOf.keys()];
  return { result, categories: ids.map((id, c) => ({ id, name: categories.names[c], isThing: categories.isThing[c] })), images: annotations.length };
}

function folder(given: string | undefined, json: string, option: string): string {
  const dir = given ?? json.replace(/\.json$/i, "");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${given ? option : `${option} (default: ${json} without .json)`} ${dir} is not a folder`);
  return dir;
}

function segmentsOf(annotation: JsonFields, categories: ReturnType<typeof cocoCategories>, groundTruth: boolean): Map<number, PanopticSegment> {
  const segments = new Map<number, PanopticSegment>();
  for (const s of annotation.objects("segments_info")) {
    const id = s.integer("id");
    if (id <= 0 || segments.has(id)) throw new Error(`${s.path}.id ${id} must be a positive id listed once per image`);
    const category = categoryIndex(s, categories);
    segments.set(id, groundTruth ? { category, iscrowd: s.flag("iscrowd", false), area: s.value.area === undefined ? undefined : s.number("area") } : { category });
  }
  return segments;
}
