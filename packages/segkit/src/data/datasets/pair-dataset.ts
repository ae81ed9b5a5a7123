// The shared body of the file-based formats: a list of (image, label map) file pairs, and a lookup
// table from stored label values to training labels (class index, the ignore index, or invalid).
// Each format file only finds its pairs and states its classes, palette and table.
import { existsSync } from "node:fs";
import { readLabelPng } from "../../io/label-png.js";
import { readRgbImage } from "../image-file.js";
import type { Dataset, RawSample, Rgb, Sample } from "../types.js";

export interface FilePair {
  image: string;
  label: string;
}

/** A stored value that is neither a class nor ignore. */
export const INVALID = -1;

export interface PairDatasetSpec {
  /** The format, for messages. */
  format: string;
  pairs: FilePair[];
  classes: string[];
  palette: Rgb[];
  ignoreIndex: number;
  /** stored value (0–255) → class index, ignoreIndex or INVALID. Default: identity below the class count. */
  lut?: Int16Array;
  /** Leave out pairs whose files are missing (with a console warning) instead of failing. */
  skipBad?: boolean;
}

/** Stored values 0..K-1 are classes, `ignore` is ignore, the rest invalid. */
export function identityLut(classCount: number, ignore: number): Int16Array {
  return new Int16Array(256).map((_, v) => (v < classCount ? v : v === ignore ? ignore : INVALID));
}

/** Stored 0 → ignore, 1..K → 0..K−1, 255 stays ignore; the rest invalid. */
export function reduceZeroLut(classCount: number): Int16Array {
  return new Int16Array(256).map((_, v) => (v === 0 || v === 255 ? 255 : v <= classCount ? v - 1 : INVALID));
}

export class PairDataset implements Dataset {
  readonly format: string;
  readonly classes: string[];
  readonly palette: Rgb[];
  readonly ignoreIndex: number;
  readonly pairs: FilePair[];
  /** Pairs left out because of skipBad, with the reason. */
  readonly skipped: { file: string; reason: string }[] = [];
  private readonly lut: Int16Array;

  constructor(spec: PairDatasetSpec) {
    this.format = spec.format;
    this.classes = spec.classes;
    this.palette = spec.palette;
    this.ignoreIndex = spec.ignoreIndex;
    this.lut = spec.lut ?? identityLut(spec.classes.length, spec.ignoreIndex);
    this.pairs = [];
    for (const pair of spec.pairs) {
      const missing = [pair.image, pair.label].find((f) => !existsSync(f));
      if (!missing) this.pairs.push(pair);
      else if (spec.skipBad) {
        this.skipped.push({ file: missing, reason: "missing" });
        console.warn(`${this.format}: skipping ${pair.image}: ${missing} does not exist`);
      } else throw new Error(`${this.format}: ${missing === pair.label ? "label map" : "image"} ${missing} does not exist`);
    }
    if (this.pairs.length === 0) throw new Error(`${this.format}: no samples found`);
  }

  get length(): number {
    return this.pairs.length;
  }

  file(i: number): string {
    return this.pairs[i]?.image ?? `${this.format} sample ${i} (none: ${this.length} samples)`;
  }

  async raw(i: number): Promise<RawSample> {
    const pair = this.pairs[i];
    if (!pair) throw new RangeError(`${this.format}: sample ${i} is outside 0..${this.length - 1}`);
    const [image, label] = await Promise.all([readRgbImage(pair.image), readLabelPng(pair.label)]);
    if (image.width !== label.width || image.height !== label.height) {
      throw new Error(`size mismatch: image ${pair.image} is ${image.width}×${image.height} but label map ${pair.label} is ${label.width}×${label.height}`);
    }
    return {
      width: image.width,
      height: image.height,
      pixels: image.pixels,
      label: this.mapLabels(label.data, label.width, pair.label),
      meta: { file: pair.image, size: [image.height, image.width] },
    };
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }

  private mapLabels(stored: Uint8Array | Uint16Array, width: number, file: string): Uint8Array {
    const out = new Uint8Array(stored.length);
    for (let i = 0; i < stored.length; i++) {
      // A 16-bit map is read value by value: above 255 it is refused (labels travel as bytes), never wrapped.
      if (stored[i] > 255) {
        throw new Error(
          `label map ${file}: value ${stored[i]} at (x=${i % width}, y=${Math.floor(i / width)}) is above 255; ` +
            "segkit's data pipeline holds label values 0..255",
        );
      }
      const v = this.lut[stored[i]];
      if (v === INVALID) {
        throw new Error(
          `label map ${file}: value ${stored[i]} at (x=${i % width}, y=${Math.floor(i / width)}) is not a ${this.format} class ` +
            `(0..${this.classes.length - 1} after mapping) nor the ignore value ${this.ignoreIndex}`,
        );
      }
      out[i] = v;
    }
    return out;
  }
}
