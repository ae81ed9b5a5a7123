// The data seams. Datasets and transforms work on RawSample (plain typed arrays, HWC) so the whole
// decode + augment path runs inside worker threads, which cannot share tensors; tensors (Sample) are
// made once per sample or batch on the thread that trains.
import type { Tensor } from "@segkit/torch";
import type { Rng } from "./rng.js";
import type { Instance, PanopticTarget } from "./segments/types.js";

export type Rgb = [number, number, number];

export interface SampleMeta {
  /** The image file (or a synthetic name) the sample came from. */
  file: string;
  /** Original [height, width]. */
  size: [number, number];
}

export interface RawSample {
  width: number;
  height: number;
  /** H×W×3 RGB: bytes as decoded, or float32 after Normalize. */
  pixels: Uint8Array | Float32Array;
  /** H×W class indices; `ignoreIndex` marks pixels to leave out. */
  label: Uint8Array;
  meta: SampleMeta;
  /** Panoptic samples: every pixel's segment, in the same geometry as `label`. */
  panoptic?: PanopticTarget;
  /** Instance samples: one mask per object (objects may overlap). */
  instances?: Instance[];
}

export interface Sample {
  image: Tensor; // 3×H×W float32
  label: Tensor; // H×W int64
  meta: SampleMeta;
}

export type Transform = (s: RawSample, rng: Rng) => RawSample;

export interface Dataset {
  classes: string[];
  palette: Rgb[];
  ignoreIndex: number;
  length: number;
  /** The file sample i comes from (or its synthetic name), for messages: known without reading it. */
  file(i: number): string;
  /** The sample as typed arrays (what transforms and loader workers use). */
  raw(i: number): Promise<RawSample>;
  get(i: number): Promise<Sample>;
}
