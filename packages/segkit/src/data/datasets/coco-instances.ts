// COCO instances (detection/instance segmentation): ROOT/SPLIT/X.jpg images with
// ROOT/annotations/instances_SPLIT.json. Each annotation becomes an instance with its own mask,
// decoded as pycocotools' annToMask does (polygons rasterised and merged, uncompressed or
// compressed RLE), so instances may overlap. Classes are the JSON's categories in file order (all
// things). The label map holds, per pixel, the category of the last annotation covering it and the
// ignore index where none does (COCO instances label no background). Areas and boxes are measured
// on the masks (COCO's own "area" is the polygon's). The JSON is checked when the dataset is built.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { readRgbImage } from "../image-file.js";
import { str, type Options } from "../options.js";
import { segmentationMask } from "../segments/coco-segmentation.js";
import { recountInstances } from "../segments/segment-stats.js";
import type { Instance, InstanceDataset } from "../segments/types.js";
import type { RawSample, Rgb, Sample } from "../types.js";
import { categoryIndex, cocoCategories, cocoImages, JsonFields, readCocoJson, type CocoImage } from "./coco-json.js";

interface Annotation {
  id: number;
  category: number;
  iscrowd: boolean;
  segmentation: unknown;
  /** The annotation's key path, for messages. */
  path: string;
}

interface Entry extends CocoImage {
  image: string;
  annotations: Annotation[];
}

export interface CocoInstancesFiles {
  /** The instances JSON. */
  annotations: string;
  /** Folder of the images named by the JSON's images[].file_name. */
  imageDir: string;
}

export class CocoInstancesDataset implements InstanceDataset {
  readonly classes: string[];
  readonly palette: Rgb[];
  readonly isThing: boolean[];
  readonly ignoreIndex = 255;
  private readonly entries: Entry[];

  constructor(files: CocoInstancesFiles, where = "dataset coco_instances") {
    const json = new JsonFields(readCocoJson(files.annotations, where), files.annotations);
    const categories = cocoCategories(json, true);
    this.classes = categories.names;
    this.palette = categories.palette;
    this.isThing = categories.isThing;
    const images = cocoImages(json);
    const byImage = new Map([...images].map(([id, image]) => [id, { ...image, image: join(files.imageDir, image.fileName), annotations: [] as Annotation[] }]));
    for (const a of json.objects("annotations")) {
      const imageId = a.id("image_id");
      const entry = byImage.get(imageId);
      if (!entry) throw new Error(`${a.path}.image_id ${JSON.stringify(imageId)} is not in images`);
      if (a.value.segmentation === undefined) throw new Error(`${a.path}.segmentation is missing`);
      entry.annotations.push({ id: a.integer("id"), category: categoryIndex(a, categories), iscrowd: a.flag("iscrowd", false), segmentation: a.value.segmentation, path: a.path });
    }
    this.entries = [...byImage.values()];
    if (this.entries.length === 0) throw new Error(`${where}: ${files.annotations} lists no images`);
    for (const entry of this.entries) if (!existsSync(entry.image)) throw new Error(`${where}: image ${entry.image} (${files.annotations} images[].file_name) does not exist`);
  }

  get length(): number {
    return this.entries.length;
  }

  file(i: number): string {
    return this.entries[i]?.image ?? `coco_instances sample ${i} (none: ${this.length} samples)`;
  }

  async raw(i: number): Promise<RawSample & { instances: Instance[] }> {
    const entry = this.entries[i];
    if (!entry) throw new RangeError(`coco_instances: sample ${i} is outside 0..${this.length - 1}`);
    const image = await readRgbImage(entry.image);
    const { width, height } = image;
    if (width !== entry.width || height !== entry.height) {
      throw new Error(`size mismatch: image ${entry.image} is ${width}×${height} but its images[] entry says ${entry.width}×${entry.height}`);
    }
    const label = new Uint8Array(width * height).fill(this.ignoreIndex);
    const instances = entry.annotations.map((a): Instance => {
      const mask = segmentationMask(a.segmentation, height, width, `${a.path}.segmentation`);
      for (let p = 0; p < mask.length; p++) if (mask[p]) label[p] = a.category;
      return { id: a.id, category: a.category, isThing: this.isThing[a.category], iscrowd: a.iscrowd, area: 0, bbox: [0, 0, 0, 0], mask };
    });
    return { width, height, pixels: image.pixels, label, instances: recountInstances(instances, width), meta: { file: entry.image, size: [height, width] } };
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }
}

export function cocoInstances(o: Options): CocoInstancesDataset {
  const where = "dataset coco_instances";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "val2017", where);
  return new CocoInstancesDataset({
    annotations: str(o, "annotations", join(root, "annotations", `instances_${split}.json`), where),
    imageDir: str(o, "imageDir", join(root, split), where),
  }, where);
}

register("dataset", "coco_instances", {
  options: ["root", "split", "annotations", "imageDir"], build: cocoInstances,
  summary: "COCO instances format: one mask per object from polygons or RLE (classes from its categories)",
});
