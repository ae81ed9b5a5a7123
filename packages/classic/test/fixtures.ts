/** Loads the skimage reference outputs written by fixtures/make_fixtures.py (gzipped raw arrays). */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { Image, LabelMap } from "../src/index.js";

const DIR = new URL("../../test/fixtures/", import.meta.url);

interface ArrayFile {
  file: string;
  dtype: string;
  shape: number[];
}

export interface FixtureImage {
  name: string;
  rgb: Image;
  grey8: Image;
  gt: LabelMap;
  gradient: Image;
  markers: LabelMap;
  slic: LabelMap;
  slico: LabelMap;
  greySlic: LabelMap;
  felzenszwalb: LabelMap;
  watershed: LabelMap;
  otsu8: number;
  otsuFloat: number;
  kmeansInertia: number[];
}

export interface Fixtures {
  reference: Record<string, string>;
  slic: Record<"slic" | "slico", { n_segments: number; compactness: number; max_num_iter: number; slic_zero?: boolean }>;
  greySlic: { n_segments: number; compactness: number; max_num_iter: number };
  felzenszwalb: { scale: number; sigma: number; min_size: number };
  kmeans: { k: number; iter: number; seeds: number[] };
  images: FixtureImage[];
}

function bytes(entry: ArrayFile): Buffer {
  return gunzipSync(readFileSync(new URL(`classic/${entry.file}`, DIR)));
}

function typed(entry: ArrayFile): Uint8Array | Int32Array | Float32Array {
  const b = bytes(entry);
  const copy = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  if (entry.dtype === "uint8") return new Uint8Array(copy);
  if (entry.dtype === "int32") return new Int32Array(copy);
  if (entry.dtype === "float32") return new Float32Array(copy);
  throw new Error(`fixture ${entry.file}: unexpected dtype ${entry.dtype}`);
}

function image(entry: ArrayFile): Image {
  const [height, width, channels = 1] = entry.shape;
  return { width, height, channels, data: typed(entry) };
}

function labels(entry: ArrayFile): LabelMap {
  const [height, width] = entry.shape;
  const data = typed(entry);
  return { width, height, labels: data instanceof Int32Array ? data : Int32Array.from(data) };
}

export function loadFixtures(): Fixtures {
  const meta = JSON.parse(readFileSync(new URL("classic.json", DIR), "utf8"));
  const images = (meta.images as Record<string, unknown>[]).map((e) => {
    const f = e as unknown as Record<string, ArrayFile> & { name: string; otsu8: number; otsuFloat: number; kmeansInertia: number[] };
    return {
      name: f.name, rgb: image(f.rgb), grey8: image(f.grey8), gt: labels(f.gt), gradient: image(f.gradient), markers: labels(f.markers),
      slic: labels(f.slic), slico: labels(f.slico), greySlic: labels(f.greySlic), felzenszwalb: labels(f.felzenszwalb), watershed: labels(f.watershed),
      otsu8: f.otsu8, otsuFloat: f.otsuFloat, kmeansInertia: f.kmeansInertia,
    };
  });
  return { ...meta, images };
}

/** Fraction of pixels where two label maps agree. */
export function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Number of distinct labels. */
export function labelCount(labels: Int32Array): number {
  return new Set(labels).size;
}
