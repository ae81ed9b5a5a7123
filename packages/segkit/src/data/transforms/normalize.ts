// Normalize: (pixel − mean) / std per channel, to float32. Defaults are ImageNet's in byte units.
// Byte pixels go through one 256-entry table per channel; the loader applies the same tables while
// stacking when Normalize ends the pipeline, saving a pass over every image.
import { register } from "../../config/registry.js";
import { triple, type Options } from "../options.js";
import type { Transform } from "../types.js";

export const IMAGENET_MEAN = [123.675, 116.28, 103.53];
export const IMAGENET_STD = [58.395, 57.12, 57.375];

export interface Normalization {
  mean: [number, number, number];
  scale: [number, number, number];
  /** Per channel, the normalised value of each byte. */
  tables: [Float32Array, Float32Array, Float32Array];
}

export function normalization(o: Options): Normalization {
  const where = "transform Normalize";
  const mean = triple(o, "mean", IMAGENET_MEAN, where);
  const std = triple(o, "std", IMAGENET_STD, where);
  if (std.some((v) => v === 0)) throw new Error(`${where}: "std" must not contain 0`);
  const scale = std.map((v) => 1 / v) as [number, number, number];
  const table = (c: number) => Float32Array.from({ length: 256 }, (_, v) => (v - mean[c]) * scale[c]);
  return { mean, scale, tables: [table(0), table(1), table(2)] };
}

function normalizeBytes(px: Uint8Array, { tables: [t0, t1, t2] }: Normalization): Float32Array {
  const out = new Float32Array(px.length);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = t0[px[i]];
    out[i + 1] = t1[px[i + 1]];
    out[i + 2] = t2[px[i + 2]];
  }
  return out;
}

function normalizeFloats(px: Float32Array, { mean, scale }: Normalization): Float32Array {
  const out = new Float32Array(px.length);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = (px[i] - mean[0]) * scale[0];
    out[i + 1] = (px[i + 1] - mean[1]) * scale[1];
    out[i + 2] = (px[i + 2] - mean[2]) * scale[2];
  }
  return out;
}

/** The transform carries its normalization so that a loader can apply it while stacking instead. */
export type NormalizeTransform = Transform & { normalization: Normalization };

export function normalize(o: Options): NormalizeTransform {
  const n = normalization(o);
  const transform: Transform = (s) => ({ ...s, pixels: s.pixels instanceof Uint8Array ? normalizeBytes(s.pixels, n) : normalizeFloats(s.pixels, n) });
  return Object.assign(transform, { normalization: n });
}

register("transform", "normalize", { formerly: ["Normalize"], options: ["mean", "std"], build: normalize, summary: "subtract mean, divide by std, to float" });
