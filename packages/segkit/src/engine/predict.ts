// Inference on image files: decode with sharp, apply the config's test pipeline, predict (with the
// configured test-time augmentation), and write a palette label PNG, a colour overlay and a JSON of
// per-class pixel areas per image. Outputs are written atomically.
import { basename, extname, join } from "node:path";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import type { Dataset, RawSample, Rgb, Transform } from "../data/types.js";
import { readRgbImage } from "../data/image-file.js";
import { Rng } from "../data/rng.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { predictProbabilities } from "./evaluate.js";
import type { TestConfig } from "./run-config.js";

export interface PredictionFiles {
  label: string;
  overlay: string;
  areas: string;
}

/** Class index per pixel (H×W, uint8) for one decoded RGB image, at the image's own size. */
export function predictLabels(model: Segmentor, pixels: RawSample, pipeline: Transform, test: TestConfig): Uint8Array {
  // Test pipelines are deterministic (resize, normalise): any seed gives the same result.
  const prepared = pipeline(pixels, new Rng(0));
  return torch.tidy(() => {
    const hwc = torch.tensor(prepared.pixels, { shape: [prepared.height, prepared.width, 3] });
    const image = hwc.permute([2, 0, 1]).to("float32").unsqueeze(0).contiguous();
    let probs = predictProbabilities(model, image, test);
    if (prepared.height !== pixels.height || prepared.width !== pixels.width) {
      probs = torch.upsampleBilinear2d(probs, [pixels.height, pixels.width], false);
    }
    return probs.argmax(1).to("uint8").toTypedArray() as Uint8Array;
  });
}

async function writeAtomic(path: string, image: sharp.Sharp): Promise<void> {
  torch.writeFileAtomic(path, await image.png().toBuffer());
}

/** Writes <name>_label.png (class colours), <name>_overlay.png (alpha blend) and <name>_areas.json. */
export async function writePrediction(outDir: string, name: string, rgb: Uint8Array, labels: Uint8Array, width: number, height: number,
  dataset: Pick<Dataset, "classes" | "palette">, alpha = 0.5): Promise<PredictionFiles> {
  const colours = new Uint8Array(width * height * 3);
  const overlay = new Uint8Array(width * height * 3);
  const counts = new Array<number>(dataset.classes.length).fill(0);
  for (let p = 0; p < labels.length; p++) {
    const c: Rgb = dataset.palette[labels[p]] ?? [0, 0, 0];
    counts[labels[p]]++;
    for (let k = 0; k < 3; k++) {
      colours[p * 3 + k] = c[k];
      overlay[p * 3 + k] = Math.round((1 - alpha) * rgb[p * 3 + k] + alpha * c[k]);
    }
  }
  const files = {
    label: join(outDir, `${name}_label.png`),
    overlay: join(outDir, `${name}_overlay.png`),
    areas: join(outDir, `${name}_areas.json`),
  };
  const raw = { raw: { width, height, channels: 3 as const } };
  await writeAtomic(files.label, sharp(colours, raw));
  await writeAtomic(files.overlay, sharp(overlay, raw));
  const total = labels.length;
  const areas = Object.fromEntries(dataset.classes.map((c, i) => [c, { pixels: counts[i], fraction: counts[i] / total }]));
  torch.writeFileAtomic(files.areas, JSON.stringify({ width, height, areas }, null, 2));
  return files;
}

/** Predicts one image file and writes its outputs; errors name the file. */
export async function predictFile(model: Segmentor, file: string, outDir: string, pipeline: Transform, test: TestConfig,
  dataset: Pick<Dataset, "classes" | "palette">): Promise<PredictionFiles> {
  const image = await readRgbImage(file);
  const sample: RawSample = { ...image, label: new Uint8Array(image.width * image.height), meta: { file, size: [image.height, image.width] } };
  const labels = predictLabels(model, sample, pipeline, test);
  return writePrediction(outDir, basename(file, extname(file)), image.pixels, labels, image.width, image.height, dataset);
}
