// Inference on image files: decode with sharp, apply the config's test pipeline, predict (with the
// configured test-time augmentation), undo what the pipeline did to the geometry (crop its padding
// off, then resize to the image's size, as mmsegmentation does), and write a label PNG of class ids,
// a colour overlay and a JSON of per-class pixel areas per image. Outputs are written atomically.
import { mkdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { denseCrf, slic, superpixelMajority, type DenseCrfOptions, type SlicOptions } from "@segkit/classic";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Config } from "../config/registry.js";
import type { RawSample, Transform } from "../data/types.js";
import { readRgbImage } from "../data/image-file.js";
import { Rng } from "../data/rng.js";
import { buildPipeline } from "../data/transforms/pipeline.js";
import { writeLabelPng } from "../io/label-png-writer.js";
import { writeRgbPng } from "../io/rgb-png-writer.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { ClassInfo } from "./class-info.js";
import { blendOverlay, classPixelCounts } from "./prediction-outputs.js";
import { networkProbabilities, predictProbabilities, type Network } from "./evaluate.js";
import type { TestConfig } from "./run-config.js";

export interface PredictionFiles {
  label: string;
  overlay: string;
  areas: string;
}

/** The label value marking the image's own pixels as the pipeline runs; what a step adds gets 0. */
const IMAGE_MARK = 1;

/**
 * The test pipeline for prediction. Labels take no part in prediction: they carry a mask of the
 * image through the same steps instead, so the options that say how steps fill labels (ignoreIndex;
 * MirrorPad's label) are dropped and every fill is 0.
 */
export function predictionPipeline(configs: Config[]): Transform {
  return buildPipeline(configs.map(({ ignoreIndex: _fill, label: _border, ...step }) => step as Config), 0);
}

export interface Window {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Where the image lies in the pipeline's output: the box the mask fills (any other shape is an error). */
function imageWindow(prepared: RawSample, file: string): Window {
  const { width, height, label } = prepared;
  let [top, left, bottom, right, marked] = [height, width, -1, -1, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (label[y * width + x] !== IMAGE_MARK) continue;
      [top, left, bottom, right] = [Math.min(top, y), Math.min(left, x), Math.max(bottom, y), Math.max(right, x)];
      marked++;
    }
  }
  if (marked === 0) throw new Error(`${file}: the test pipeline keeps none of the image`);
  const window = { top, left, height: bottom - top + 1, width: right - left + 1 };
  if (marked !== window.height * window.width) {
    throw new Error(`${file}: the test pipeline moves the image in a way predict cannot undo (only resizing, padding and cropping can be)`);
  }
  return window;
}

/** The pipeline's output as a normalised (1, 3, H, W) batch, and where the image lies in it. */
export function prepare(image: Omit<RawSample, "label">, pipeline: Transform): { batch: Tensor; window: Window } {
  const { width, height } = image;
  // Test pipelines are deterministic (resize, pad, normalise): any seed gives the same result.
  const prepared = pipeline({ ...image, label: new Uint8Array(width * height).fill(IMAGE_MARK) }, new Rng(0));
  const window = imageWindow(prepared, image.meta.file);
  const batch = torch.tidy(() => torch.tensor(prepared.pixels, { shape: [prepared.height, prepared.width, 3] }).permute([2, 0, 1]).to("float32").unsqueeze(0).contiguous());
  return { batch, window };
}

/** What prediction may apply at the image's size instead of a plain argmax (CRF first, then superpixels). */
export interface Refinement {
  /** The fully connected CRF (@segkit/classic) on the probabilities and the image's colours. */
  crf?: DenseCrfOptions;
  /** Each SLIC superpixel of the image takes its majority label. */
  superpixels?: SlicOptions;
}

/** The superpixel majority of `labels` when the refinement asks for it. */
function refineBySuperpixels(labels: Uint8Array | Uint16Array, image: Omit<RawSample, "label">, refinement: Refinement): Uint8Array | Uint16Array {
  if (!refinement.superpixels) return labels;
  const { width, height } = image;
  const superpixels = slic({ width, height, channels: 3, data: image.pixels }, refinement.superpixels);
  const majority = superpixelMajority({ width, height, labels: Int32Array.from(labels) }, superpixels).labels;
  return labels instanceof Uint8Array ? Uint8Array.from(majority) : Uint16Array.from(majority);
}

/** Probabilities (1, K, H, W) at the image's size: the image's window of the pipeline's output, resized back. */
export function atImageSize(probabilities: Tensor, window: Window, image: Pick<RawSample, "width" | "height">): Tensor {
  const { width, height } = image;
  const probs = probabilities.slice(2, window.top, window.top + window.height).slice(3, window.left, window.left + window.width);
  return window.height !== height || window.width !== width ? torch.upsampleBilinear2d(probs, [height, width], false) : probs;
}

function labelsOf(probs: Tensor, image: Omit<RawSample, "label">, numClasses: number, refinement: Refinement): Uint8Array | Uint16Array {
  const { width, height } = image;
  return torch.tidy(() => {
    if (refinement.crf) {
      const values = probs.to("float32").contiguous().toTypedArray() as Float32Array;
      const { labels } = denseCrf(values, numClasses, { width, height, channels: 3, data: image.pixels }, refinement.crf);
      return numClasses <= 256 ? Uint8Array.from(labels) : Uint16Array.from(labels);
    }
    const classes = probs.argmax(1);
    return numClasses <= 256 ? (classes.to("uint8").toTypedArray() as Uint8Array) : Uint16Array.from(classes.to("int32").toTypedArray() as Int32Array);
  });
}

/** The network's probability of each pixel's shown class (after any refinement), in 1/255 steps: 0–255. */
function confidenceOf(probs: Tensor, labels: Uint8Array | Uint16Array): Uint8Array {
  const [, , height, width] = probs.shape;
  return torch.tidy(() => {
    const index = torch.tensor(Int32Array.from(labels), { shape: [1, 1, height, width] }).to("int64");
    return probs.to("float32").gather(1, index).mul(255).round().to("uint8").toTypedArray() as Uint8Array;
  });
}

/**
 * Class index per pixel (H×W) for one decoded RGB image, at the image's own size: uint8 for up to
 * 256 classes, uint16 beyond. `pipeline` comes from predictionPipeline.
 */
export function predictLabels(model: Segmentor, image: Omit<RawSample, "label">, pipeline: Transform, test: TestConfig, refinement: Refinement = {}): Uint8Array | Uint16Array {
  return torch.tidy(() => {
    const { batch, window } = prepare(image, pipeline);
    return refineBySuperpixels(labelsOf(atImageSize(predictProbabilities(model, batch, test), window, image), image, model.numClasses, refinement), image, refinement);
  });
}

/** Labels and, when asked, each pixel's confidence (confidenceOf), for one image. */
export interface PixelPrediction {
  labels: Uint8Array | Uint16Array;
  confidence?: Uint8Array;
}

/** predictLabels for any network (a libtorch model or an engine such as onnxruntime), with the confidence map on request. */
export async function predictPixelsWith(network: Network, image: Omit<RawSample, "label">, pipeline: Transform, test: TestConfig,
  refinement: Refinement = {}, { confidence = false } = {}): Promise<PixelPrediction> {
  const { batch, window } = prepare(image, pipeline);
  try {
    const probabilities = await networkProbabilities(network, batch, test);
    try {
      return torch.tidy(() => {
        const probs = atImageSize(probabilities, window, image);
        const labels = refineBySuperpixels(labelsOf(probs, image, network.numClasses, refinement), image, refinement);
        return confidence ? { labels, confidence: confidenceOf(probs, labels) } : { labels };
      });
    } finally {
      probabilities.dispose();
    }
  } finally {
    batch.dispose();
  }
}

/** predictLabels for any network. */
export async function predictLabelsWith(network: Network, image: Omit<RawSample, "label">, pipeline: Transform, test: TestConfig, refinement: Refinement = {}): Promise<Uint8Array | Uint16Array> {
  return (await predictPixelsWith(network, image, pipeline, test, refinement)).labels;
}

/**
 * Writes labels/<name>.png (class ids: a palette PNG, or 16-bit grey beyond 256 classes; the files
 * `segkit eval` reads), overlays/<name>.png (the class colours blended over the image) and
 * areas/<name>.json (pixels per class).
 */
export async function writePrediction(outDir: string, name: string, rgb: Uint8Array, labels: Uint8Array | Uint16Array, width: number, height: number,
  info: ClassInfo, alpha = 0.5): Promise<PredictionFiles> {
  const files = {
    label: join(outDir, "labels", `${name}.png`),
    overlay: join(outDir, "overlays", `${name}.png`),
    areas: join(outDir, "areas", `${name}.json`),
  };
  for (const dir of ["labels", "overlays", "areas"]) mkdirSync(join(outDir, dir), { recursive: true });
  writeLabelPng(files.label, labels, width, height, info.palette);
  const counts = classPixelCounts(labels, info.classes.length);
  const overlay = blendOverlay(rgb, labels, info.palette, alpha);
  await writeRgbPng(files.overlay, overlay, width, height);
  const total = labels.length;
  const areas = Object.fromEntries(info.classes.map((c, i) => [c, { pixels: counts[i], fraction: counts[i] / total }]));
  torch.writeFileAtomic(files.areas, JSON.stringify({ width, height, areas }, null, 2));
  return files;
}

/** Predicts one image file and writes its outputs under its name without extension; errors name the file. */
export async function predictFile(network: Network, file: string, outDir: string, pipeline: Transform, test: TestConfig, info: ClassInfo, refinement: Refinement = {}): Promise<PredictionFiles> {
  const image = await readRgbImage(file);
  const labels = await predictLabelsWith(network, { ...image, meta: { file, size: [image.height, image.width] } }, pipeline, test, refinement);
  return writePrediction(outDir, basename(file, extname(file)), image.pixels, labels, image.width, image.height, info);
}
