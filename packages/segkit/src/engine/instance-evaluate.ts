// `segkit test` for an instance model: its detections on every sample of the config's validation
// dataset scored as COCO mask AP (cocoEvaluate, pycocotools' COCOeval). The ground truth is each
// sample's instances (instance datasets) or its thing segments (panoptic datasets); the model's label
// l stands for the dataset's l-th thing class (thingClassIndices), which is its category id here.
import { cocoEvaluate, rleArea, rleEncode, type CocoDetection, type CocoGroundTruth } from "@segkit/metrics";
import type { Instance, PanopticTarget } from "../data/segments/types.js";
import type { Dataset, RawSample } from "../data/types.js";
import type { CocoInstanceEvaluation } from "./coco-instance-eval.js";
import { detectInstances, thingClassIndices, type LoadedInstanceModel } from "./instance-predict.js";

type InstanceSample = RawSample & { instances?: Instance[]; panoptic?: PanopticTarget };

/** The sample's ground-truth objects as COCO ground truth of image `imageId`, categories as model labels. */
function groundTruthOf(sample: InstanceSample, imageId: number, labelOf: Map<number, number>, where: string): CocoGroundTruth[] {
  const { width, height } = sample;
  const objects = sample.instances ?? sample.panoptic?.segments.filter((s) => s.isThing).map((s) => ({ ...s, mask: Uint8Array.from(sample.panoptic!.ids, (id) => (id === s.id ? 1 : 0)) }));
  if (objects === undefined) throw new Error(`${where}: sample ${imageId} (${sample.meta.file}) has neither instances nor panoptic segments: an instance model needs an instance or panoptic dataset`);
  return objects.map((o) => ({ imageId, categoryId: labelOf.get(o.category)!, area: o.area, iscrowd: o.iscrowd, rle: rleEncode(o.mask, height, width) }));
}

export async function evaluateInstanceModel(loaded: LoadedInstanceModel, dataset: Dataset & { isThing?: boolean[] }, where: string): Promise<CocoInstanceEvaluation> {
  const things = thingClassIndices(dataset);
  const labelOf = new Map(things.map((c, k) => [c, k + 1]));
  const groundTruth: CocoGroundTruth[] = [];
  const detections: CocoDetection[] = [];
  for (let i = 0; i < dataset.length; i++) {
    const sample = (await dataset.raw(i)) as InstanceSample;
    groundTruth.push(...groundTruthOf(sample, i, labelOf, where));
    if (!(sample.pixels instanceof Uint8Array)) throw new Error(`${where}: sample ${i} (${sample.meta.file}) holds normalised pixels; an instance model takes the image's bytes`);
    for (const d of detectInstances(loaded.model, { width: sample.width, height: sample.height, pixels: sample.pixels })) detections.push({ imageId: i, categoryId: d.label, score: d.score, area: rleArea(d.rle), rle: d.rle });
  }
  const categories = things.map((c, k) => ({ id: k + 1, name: dataset.classes[c] }));
  const result = cocoEvaluate({ iouType: "segm", imageIds: Array.from({ length: dataset.length }, (_, i) => i), categoryIds: categories.map((c) => c.id), groundTruth, detections });
  return { result, categories, images: dataset.length, detections: detections.length };
}
