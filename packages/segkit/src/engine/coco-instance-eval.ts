// COCO instance (or box) evaluation from files: a COCO instances JSON as ground truth and a COCO
// results JSON ([{ image_id, category_id, score, segmentation | bbox }]) scored as pycocotools'
// COCO.loadRes + COCOeval do. As loadRes does, when the first result carries a box every
// detection's area is its box area (the size ranges then use boxes, also for masks) and a result
// without a mask stands for its box's mask; otherwise areas and boxes come from the masks. Where
// pycocotools would skip silently or fail obscurely (unknown category, a mask of another size,
// annotation id 0, which its matcher reads as "no match"), this refuses, naming file and key.
import { cocoEvaluate, rleArea, rleFromBox, rleToBbox, type CocoDetection, type CocoEvalResult, type CocoGroundTruth, type CocoIouType } from "@segkit/metrics";
import { categoryIndex, cocoCategories, cocoImages, JsonFields, readCocoJson, readJsonFile, type CocoImage } from "../data/datasets/coco-json.js";
import { segmentationRle } from "../data/segments/coco-segmentation.js";

export interface CocoInstanceEvaluation {
  result: CocoEvalResult;
  /** The ground truth's categories in file order. */
  categories: { id: number; name: string }[];
  images: number;
  detections: number;
}

export function evaluateCocoInstances(gtFile: string, resultsFile: string, iouType: CocoIouType): CocoInstanceEvaluation {
  const json = new JsonFields(readCocoJson(gtFile, "--gt"), gtFile);
  const categories = cocoCategories(json, true);
  const images = cocoImages(json);
  const groundTruth = readGroundTruth(json, images, categories, iouType);
  const detections = readResults(resultsFile, gtFile, images, categories, iouType);
  const result = cocoEvaluate({ iouType, imageIds: [...images.keys()], categoryIds: [...categories.indexOf.keys()], groundTruth, detections });
  return { result, categories: [...categories.indexOf.keys()].map((id, i) => ({ id, name: categories.names[i] })), images: images.size, detections: detections.length };
}

type Images = Map<number | string, CocoImage>;
type Categories = ReturnType<typeof cocoCategories>;

function imageOf(record: JsonFields, images: Images, listedIn: string): { id: number | string; image: CocoImage } {
  const id = record.id("image_id");
  const image = images.get(id);
  if (!image) throw new Error(`${record.path}.image_id ${JSON.stringify(id)} is not in ${listedIn} images`);
  return { id, image };
}

function readGroundTruth(json: JsonFields, images: Images, categories: Categories, iouType: CocoIouType): CocoGroundTruth[] {
  const ids = new Set<number>();
  return json.objects("annotations").map((a): CocoGroundTruth => {
    const id = a.integer("id");
    if (id <= 0 || ids.has(id)) throw new Error(`${a.path}.id ${id} must be a positive id listed once (pycocotools reads id 0 as "no match")`);
    ids.add(id);
    const { id: imageId, image } = imageOf(a, images, json.path);
    categoryIndex(a, categories); // checks that the category is listed
    const categoryId = a.integer("category_id");
    const area = a.number("area");
    const common = { imageId, categoryId, area, iscrowd: a.flag("iscrowd", false) };
    if (iouType === "bbox") return { ...common, box: a.box("bbox") };
    return { ...common, rle: segmentationRle(a.value.segmentation, image.height, image.width, `${a.path}.segmentation`) };
  });
}

function readResults(file: string, gtFile: string, images: Images, categories: Categories, iouType: CocoIouType): CocoDetection[] {
  const json = readJsonFile(file, "--pred");
  if (!Array.isArray(json)) throw new Error(`--pred: results file ${file} must hold a JSON array of detections`);
  const records = json.map((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error(`${file}[${i}] must be an object`);
    return new JsonFields(r as Record<string, unknown>, `${file}[${i}]`);
  });
  const first = records[0]?.value;
  const boxAreas = Array.isArray(first?.bbox) && first.bbox.length > 0; // pycocotools' loadRes decides by the first result
  if (first && !boxAreas && first.segmentation === undefined) throw new Error(`${file}[0] has neither "segmentation" nor "bbox"`);
  return records.map((r): CocoDetection => {
    const { id: imageId, image } = imageOf(r, images, gtFile);
    const categoryId = r.integer("category_id");
    if (!categories.indexOf.has(categoryId)) throw new Error(`${r.path}.category_id ${categoryId} is not in ${gtFile} categories`);
    const score = r.number("score");
    const where = `${r.path}.segmentation`;
    if (boxAreas) {
      const box = r.box("bbox");
      const area = box[2] * box[3];
      if (iouType === "bbox") return { imageId, categoryId, score, area, box };
      const rle = r.value.segmentation === undefined ? rleFromBox(box, image.height, image.width) : segmentationRle(r.value.segmentation, image.height, image.width, where);
      return { imageId, categoryId, score, area, rle };
    }
    if (r.value.segmentation === undefined) throw new Error(`${where} is missing (${file}[0] has a mask, so every result needs one)`);
    const rle = segmentationRle(r.value.segmentation, image.height, image.width, where);
    const area = rleArea(rle);
    if (iouType === "segm") return { imageId, categoryId, score, area, rle };
    return { imageId, categoryId, score, area, box: r.value.bbox === undefined ? rleToBbox(rle) : r.box("bbox") };
  });
}
