// COCO panoptic (and any dataset in its format, e.g. ADE20K or Cityscapes converted by panopticapi):
// ROOT/SPLIT/X.jpg images, ROOT/annotations/panoptic_SPLIT.json listing each image's segments
// (segments_info: id, category_id, iscrowd) and ROOT/annotations/panoptic_SPLIT/X.png holding the
// ids (R + 256·G + 256²·B). Classes are the JSON's categories in file order; "isthing" marks
// things. The whole JSON is checked when the dataset is built, and each PNG against its listed
// segments when read; errors name the file and key.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { readPanopticPng } from "../../io/panoptic-png.js";
import { readRgbImage } from "../image-file.js";
import { str, type Options } from "../options.js";
import { panopticSample } from "../segments/panoptic-sample.js";
import type { PanopticDataset, PanopticTarget, SegmentInfo } from "../segments/types.js";
import type { RawSample, Rgb, Sample } from "../types.js";
import { categoryIndex, cocoCategories, cocoImages, JsonFields, readCocoJson } from "./coco-json.js";

interface Entry {
  image: string;
  png: string;
  segments: SegmentInfo[];
  /** The annotation's key path, for messages. */
  path: string;
}

export interface CocoPanopticFiles {
  /** The panoptic JSON. */
  annotations: string;
  /** Folder of the images named by the JSON's images[].file_name. */
  imageDir: string;
  /** Folder of the PNGs named by annotations[].file_name. */
  pngDir: string;
}

export class CocoPanopticDataset implements PanopticDataset {
  readonly classes: string[];
  readonly palette: Rgb[];
  readonly isThing: boolean[];
  readonly ignoreIndex = 255;
  private readonly entries: Entry[];

  constructor(files: CocoPanopticFiles, where = "dataset coco_panoptic") {
    const json = new JsonFields(readCocoJson(files.annotations, where), files.annotations);
    const categories = cocoCategories(json, false);
    this.classes = categories.names;
    this.palette = categories.palette;
    this.isThing = categories.isThing;
    const images = cocoImages(json);
    this.entries = json.objects("annotations").map((a): Entry => {
      const imageId = a.id("image_id");
      const image = images.get(imageId);
      if (!image) throw new Error(`${a.path}.image_id ${JSON.stringify(imageId)} is not in images`);
      const ids = new Set<number>();
      const segments = a.objects("segments_info").map((s): SegmentInfo => {
        const id = s.integer("id");
        if (id <= 0 || ids.has(id)) throw new Error(`${s.path}.id ${id} must be a positive id listed once per image`);
        ids.add(id);
        const category = categoryIndex(s, categories);
        return { id, category, isThing: this.isThing[category], iscrowd: s.flag("iscrowd", false), area: 0, bbox: [0, 0, 0, 0] };
      });
      const entry = { image: join(files.imageDir, image.fileName), png: join(files.pngDir, a.string("file_name")), segments, path: a.path };
      for (const [what, file] of [["image", entry.image], ["panoptic PNG", entry.png]]) {
        if (!existsSync(file)) throw new Error(`${where}: ${what} ${file} (${a.path}) does not exist`);
      }
      return entry;
    });
    if (this.entries.length === 0) throw new Error(`${where}: ${files.annotations} has no annotations`);
  }

  get length(): number {
    return this.entries.length;
  }

  file(i: number): string {
    return this.entries[i]?.image ?? `coco_panoptic sample ${i} (none: ${this.length} samples)`;
  }

  async raw(i: number): Promise<RawSample & { panoptic: PanopticTarget }> {
    const entry = this.entries[i];
    if (!entry) throw new RangeError(`coco_panoptic: sample ${i} is outside 0..${this.length - 1}`);
    const [image, ids] = await Promise.all([readRgbImage(entry.image), readPanopticPng(entry.png)]);
    if (image.width !== ids.width || image.height !== ids.height) {
      throw new Error(`size mismatch: image ${entry.image} is ${image.width}×${image.height} but panoptic PNG ${entry.png} is ${ids.width}×${ids.height}`);
    }
    return panopticSample(image, ids.ids, entry.segments, { imageFile: entry.image, idFile: entry.png, listedIn: `${entry.path}.segments_info` }, this.ignoreIndex);
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }
}

export function cocoPanoptic(o: Options): CocoPanopticDataset {
  const where = "dataset coco_panoptic";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "val2017", where);
  return new CocoPanopticDataset({
    annotations: str(o, "annotations", join(root, "annotations", `panoptic_${split}.json`), where),
    imageDir: str(o, "imageDir", join(root, split), where),
    pngDir: str(o, "pngDir", join(root, "annotations", `panoptic_${split}`), where),
  }, where);
}

register("dataset", "coco_panoptic", {
  options: ["root", "split", "annotations", "imageDir", "pngDir"], build: cocoPanoptic,
  summary: "COCO panoptic format: PNG segment ids + segments_info JSON (classes from its categories)",
});
