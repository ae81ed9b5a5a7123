/**
 * `segkit classic <method> IMAGE --out DIR`: classical segmentation of one image with
 * @segkit/classic — SLIC/SLICO superpixels, Felzenszwalb–Huttenlocher, watershed from a regular grid
 * of markers on the Sobel gradient, Otsu's threshold, k-means colour clustering. Writes
 * DIR/labels/<image name>_<method>.png (region ids: palette PNG up to 256 regions, 16-bit grey
 * beyond) and DIR/overlays/<image name>_<method>.png (region boundaries drawn over the image).
 */
import { mkdirSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import {
  felzenszwalb, kmeans, labelBoundaries, otsuThreshold, regularSeeds, rgbToGrey, slic, sobel, watershed, type Image, type LabelMap,
} from "@segkit/classic";
import { readRgbImage } from "../data/image-file.js";
import type { Rgb } from "../data/types.js";
import { writeLabelPng } from "../io/label-png-writer.js";
import { writeRgbPng } from "../io/rgb-png-writer.js";
import { integer } from "./eval.js";

const METHODS = ["slic", "felzenszwalb", "watershed", "otsu", "kmeans"] as const;
type Method = (typeof METHODS)[number];

interface ClassicOptions {
  out: string;
  segments: number;
  compactness: number;
  iterations: number;
  sigma?: number;
  zero?: boolean;
  grey?: boolean;
  scale: number;
  minSize: number;
  markers: number;
  k: number;
  seed: number;
}

function method(value: string): Method {
  if ((METHODS as readonly string[]).includes(value)) return value as Method;
  throw new InvalidArgumentError(`unknown method "${value}"; methods: ${METHODS.join(", ")}`);
}

function positive(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${option} must be a number ≥ 0, got "${value}"`);
    return n;
  };
}

/** Region ids and a one-line account of what was found. */
function segment(m: Method, image: Image, o: ClassicOptions): { map: LabelMap; regions: number; note: string } {
  const input = o.grey ? rgbToGrey(image) : image;
  if (m === "slic") {
    const s = slic(input, { nSegments: o.segments, compactness: o.compactness, maxIterations: o.iterations, sigma: o.sigma ?? 0, zero: o.zero });
    return { map: s, regions: s.count, note: `${s.count} superpixels` };
  }
  if (m === "felzenszwalb") {
    const s = felzenszwalb(input, { scale: o.scale, sigma: o.sigma ?? 0.8, minSize: o.minSize });
    return { map: s, regions: s.count, note: `${s.count} regions` };
  }
  if (m === "watershed") {
    const markers = regularSeeds(image.width, image.height, o.markers);
    const map = watershed(sobel(rgbToGrey(image)), markers);
    let regions = 0;
    for (const l of markers.labels) regions = Math.max(regions, l);
    // Markers are 1…n; ids in the label PNG start at 0.
    for (let p = 0; p < map.labels.length; p++) map.labels[p] -= 1;
    return { map, regions, note: `${regions} basins` };
  }
  if (m === "otsu") {
    const grey = rgbToGrey(image);
    const threshold = otsuThreshold(grey.data);
    const labels = Int32Array.from(grey.data as Float64Array, (v) => (v > threshold ? 1 : 0));
    return { map: { width: image.width, height: image.height, labels }, regions: 2, note: `threshold ${threshold.toFixed(4)} (grey in [0, 1]); 1 = brighter` };
  }
  const result = kmeans(input, { k: o.k, seed: o.seed });
  return { map: result, regions: o.k, note: `${o.k} clusters, inertia ${result.inertia.toExponential(4)}` };
}

/** A distinct colour per region id (golden-angle hues), for the label PNG's palette. */
function regionPalette(n: number): Rgb[] {
  return Array.from({ length: n }, (_, i) => {
    const h = (i * 137.508) % 360;
    const f = (k: number): number => {
      const t = (k + h / 60) % 6;
      return Math.round(255 * (0.85 - 0.6 * Math.max(0, Math.min(t, 4 - t, 1))));
    };
    return [f(5), f(3), f(1)] as Rgb;
  });
}

export function registerClassic(program: Command): void {
  program
    .command("classic")
    .description("classical segmentation of one image (no network): SLIC superpixels, Felzenszwalb–Huttenlocher, watershed, Otsu, k-means")
    .argument("<method>", METHODS.join(" | "), method)
    .argument("<image>", "an image file (PNG, JPEG, …)")
    .requiredOption("--out <dir>", "output folder: labels/ and overlays/ inside")
    .option("--segments <n>", "slic: approximate number of superpixels", integer("--segments", 1), 100)
    .option("--compactness <m>", "slic: weight of space against colour", positive("--compactness"), 10)
    .option("--iterations <n>", "slic: k-means iterations", integer("--iterations", 1), 10)
    .option("--sigma <s>", "slic, felzenszwalb: Gaussian pre-smoothing in pixels (default 0 and 0.8)", positive("--sigma"))
    .option("--zero", "slic: SLICO (per-superpixel colour normalisation)")
    .option("--grey", "slic, felzenszwalb, kmeans: work on the grey image")
    .option("--scale <k>", "felzenszwalb: larger gives larger regions", positive("--scale"), 100)
    .option("--min-size <n>", "felzenszwalb: smallest region in pixels", integer("--min-size", 0), 20)
    .option("--markers <n>", "watershed: approximate number of markers on a regular grid", integer("--markers", 1), 100)
    .option("--k <n>", "kmeans: number of colour clusters", integer("--k", 1), 4)
    .option("--seed <n>", "kmeans: seed of the k-means++ initialisation", integer("--seed", 0), 0)
    .action(async (m: Method, file: string, o: ClassicOptions) => {
      const { width, height, pixels } = await readRgbImage(file);
      const image: Image = { width, height, channels: 3, data: pixels };
      const { map, regions, note } = segment(m, image, o);
      const name = `${basename(file, extname(file))}_${m}`;
      const files = { label: join(o.out, "labels", `${name}.png`), overlay: join(o.out, "overlays", `${name}.png`) };
      for (const dir of ["labels", "overlays"]) mkdirSync(join(o.out, dir), { recursive: true });
      const ids = regions <= 256 ? Uint8Array.from(map.labels) : Uint16Array.from(map.labels);
      writeLabelPng(files.label, ids, width, height, regions <= 256 ? regionPalette(regions) : new Array<Rgb>(regions).fill([0, 0, 0]));
      const overlay = Uint8Array.from(pixels);
      const boundaries = labelBoundaries(map);
      for (let p = 0; p < boundaries.length; p++) if (boundaries[p]) overlay.set([255, 255, 0], 3 * p);
      await writeRgbPng(files.overlay, overlay, width, height);
      console.log(`${m}: ${note} → ${resolve(files.label)}, ${resolve(files.overlay)}`);
    });
}
