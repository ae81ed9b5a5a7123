// Instance models (registry kind "instance_model", e.g. Mask R-CNN; a mask-classification
// segmentor through mask-classification-instances.ts) on image files, for `segkit predict`: an
// instance model resizes and normalises the image itself, so the config's test pipeline takes no
// part (the adapter applies it for its segmentor). Per image, instances/<name>.json holds every
// detection as a COCO result (image_id the file's name, category_id the model's label —
// torchvision's convention, 1..K−1 with 0 the background —, score, bbox [x, y, w, h], segmentation
// an RLE of the mask at probability > 0.5) and overlays/<name>.png the confident instances' masks in
// their class colours; results.json gathers all images' results, the file `segkit eval --task
// instance --pred` reads.
import { mkdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { rleEncode, rleToString, type Rle } from "@segkit/metrics";
import * as torch from "@segkit/torch";
import { build, currentName, registered, type Config } from "../config/registry.js";
import { readRgbImage, type RgbImage } from "../data/image-file.js";
import type { Dataset, Rgb } from "../data/types.js";
import type { InstanceModel } from "../models/detection/instance-model.js";
import { writeRgbPng } from "../io/rgb-png-writer.js";
import type { ClassInfo } from "./class-info.js";
import { loadCheckpointWeights } from "./load.js";
import { loadMaskClassificationInstances } from "./mask-classification-instances.js";
import type { RunConfig } from "./run-config.js";

/** Detections under this score are in the JSON (AP needs them) but not drawn. */
export const OVERLAY_MIN_SCORE = 0.5;
const OVERLAY_ALPHA = 0.5;

/** One detection as COCO's results format writes it. */
export interface CocoResult {
  image_id: string;
  category_id: number;
  category: string;
  score: number;
  bbox: [number, number, number, number];
  segmentation: { size: [number, number]; counts: string };
}

/** Whether a config's model is an instance model (built from kind "instance_model"). */
export function isInstanceModelConfig(model: Config): boolean {
  return registered("instance_model").includes(currentName("instance_model", model.type));
}

/** The dataset's classes an instance model's labels 1..K−1 stand for: its things in class order (every class when it does not say). */
export function thingClassIndices(dataset: Dataset & { isThing?: boolean[] }): number[] {
  return dataset.classes.map((_, c) => c).filter((c) => dataset.isThing?.[c] ?? true);
}

/**
 * The classes an instance model's labels 1..K−1 name: the checkpoint's, or else the config's
 * validation dataset's things (all its classes when it does not say which are things).
 */
function instanceClasses(stored: ClassInfo | null, config: RunConfig, labels: number, checkpoint: string): ClassInfo {
  if (stored) return stored;
  let dataset: Dataset & { isThing?: boolean[] };
  try {
    dataset = build<Dataset & { isThing?: boolean[] }>("dataset", config.data.val.dataset, "config.data.val.dataset");
  } catch (e) {
    throw new Error(`checkpoint ${checkpoint} stores no class names and palette, and the config's dataset cannot give them: ${(e as Error).message}`);
  }
  const things = thingClassIndices(dataset);
  if (things.length !== labels) throw new Error(`config.data.val.dataset has ${things.length} thing classes but config.model predicts ${labels} (numClasses counts the background)`);
  return { classes: things.map((c) => dataset.classes[c]), palette: things.map((c) => dataset.palette[c]) };
}

export interface LoadedInstanceModel {
  model: InstanceModel;
  /** Names and colours of labels 1..K−1 (index label − 1). */
  classes: ClassInfo;
}

/**
 * The config's instance model in eval mode with a checkpoint's weights (a plain state dict in
 * torchvision's keys, or a segkit checkpoint); a segmentor with instance inference (MaskFormer,
 * Mask2Former, K-Net panoptic) through its adapter (mask-classification-instances.ts).
 */
export function loadInstanceModel(config: RunConfig, checkpoint: string): LoadedInstanceModel {
  if (!isInstanceModelConfig(config.model)) return loadMaskClassificationInstances(config, checkpoint);
  const model = build<InstanceModel>("instance_model", config.model, "config.model");
  try {
    const labels = model.numClasses - 1;
    const stored = loadCheckpointWeights(model, checkpoint, labels);
    return { model: model.eval(), classes: instanceClasses(stored, config, labels, checkpoint) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** One detected instance in the image's own coordinates: box corners, and the mask at probability > 0.5. */
export interface InstanceDetection {
  label: number;
  score: number;
  box: [number, number, number, number];
  mask: Uint8Array;
  rle: Rle;
}

/** The model's detections on one RGB image, most confident first. */
export function detectInstances(model: InstanceModel, image: RgbImage): InstanceDetection[] {
  const { width, height, pixels } = image;
  return torch.inferenceMode(() => torch.tidy(() => {
    const x = torch.tensor(Float32Array.from(pixels, (v) => v / 255), { shape: [height, width, 3] }).permute([2, 0, 1]).contiguous();
    const [d] = model.forward([x]);
    const boxes = d.boxes.toArray() as number[];
    const labels = d.labels.toArray() as number[];
    const binary = d.masks.gt(0.5).to("uint8").toTypedArray() as Uint8Array;
    return (d.scores.toArray() as number[]).map((score, k) => {
      const mask = binary.slice(k * width * height, (k + 1) * width * height);
      return { label: labels[k], score, box: boxes.slice(4 * k, 4 * k + 4) as InstanceDetection["box"], mask, rle: rleEncode(mask, height, width) };
    });
  }));
}

/** A detection as a COCO result of image `imageId`. */
export function cocoResult(d: InstanceDetection, imageId: string, classes: ClassInfo): CocoResult {
  const [x1, y1, x2, y2] = d.box;
  return {
    image_id: imageId, category_id: d.label, category: classes.classes[d.label - 1], score: d.score, bbox: [x1, y1, x2 - x1, y2 - y1],
    segmentation: { size: d.rle.size, counts: rleToString(d.rle) },
  };
}

/** The image with each confident instance's mask blended in its class colour, the most confident drawn last (on top). */
export function instanceOverlay(image: RgbImage, detections: InstanceDetection[], palette: readonly Rgb[]): Uint8Array {
  const overlay = Uint8Array.from(image.pixels);
  const drawn = detections.filter((d) => d.score >= OVERLAY_MIN_SCORE).sort((a, b) => a.score - b.score);
  for (const { label, mask } of drawn) {
    const colour = palette[label - 1];
    for (let p = 0; p < mask.length; p++) {
      if (!mask[p]) continue;
      for (let c = 0; c < 3; c++) overlay[p * 3 + c] = Math.round((1 - OVERLAY_ALPHA) * image.pixels[p * 3 + c] + OVERLAY_ALPHA * colour[c]);
    }
  }
  return overlay;
}

/** Predicts each file, writes instances/<name>.json and overlays/<name>.png, then results.json; returns how many results were written. */
export async function predictInstanceFiles(loaded: LoadedInstanceModel, files: string[], outDir: string, progress?: (done: number, file: string) => void): Promise<number> {
  for (const dir of ["instances", "overlays"]) mkdirSync(join(outDir, dir), { recursive: true });
  const all: CocoResult[] = [];
  for (const [i, file] of files.entries()) {
    const name = basename(file, extname(file));
    const image = await readRgbImage(file);
    const detections = detectInstances(loaded.model, image);
    const results = detections.map((d) => cocoResult(d, name, loaded.classes));
    torch.writeFileAtomic(join(outDir, "instances", `${name}.json`), JSON.stringify(results));
    await writeRgbPng(join(outDir, "overlays", `${name}.png`), instanceOverlay(image, detections, loaded.classes.palette), image.width, image.height);
    all.push(...results);
    progress?.(i + 1, file);
  }
  torch.writeFileAtomic(join(outDir, "results.json"), JSON.stringify(all));
  return all.length;
}
