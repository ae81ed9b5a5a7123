// Normalize: (pixel − mean) / std per channel, to float32. Defaults are ImageNet's in byte units.
import { register } from "../../config/registry.js";
import { triple, type Options } from "../options.js";
import type { Transform } from "../types.js";

export const IMAGENET_MEAN = [123.675, 116.28, 103.53];
export const IMAGENET_STD = [58.395, 57.12, 57.375];

export function normalize(o: Options): Transform {
  const where = "transform Normalize";
  const mean = triple(o, "mean", IMAGENET_MEAN, where);
  const std = triple(o, "std", IMAGENET_STD, where);
  if (std.some((v) => v === 0)) throw new Error(`${where}: "std" must not contain 0`);
  const scale = std.map((v) => 1 / v);
  return (s) => {
    const out = new Float32Array(s.pixels.length);
    for (let i = 0; i < out.length; i += 3) {
      out[i] = (s.pixels[i] - mean[0]) * scale[0];
      out[i + 1] = (s.pixels[i + 1] - mean[1]) * scale[1];
      out[i + 2] = (s.pixels[i + 2] - mean[2]) * scale[2];
    }
    return { ...s, pixels: out };
  };
}

register("transform", "Normalize", { options: ["mean", "std"], build: normalize, summary: "subtract mean, divide by std, to float" });
