// GaussianNoise: with probability `prob`, add zero-mean noise of standard deviation `std` (in pixel
// units: bytes before Normalize, normalised units after), clipped to bytes for byte images.
import { register } from "../../config/registry.js";
import { num, type Options } from "../options.js";
import type { Transform } from "../types.js";

export function gaussianNoise(o: Options): Transform {
  const where = "transform GaussianNoise";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const std = num(o, "std", 8, where, [0, 1e6]);
  return (s, rng) => {
    if (!rng.chance(prob)) return s;
    const bytes = s.pixels instanceof Uint8Array;
    const out = s.pixels.slice();
    for (let i = 0; i < out.length; i++) {
      const v = s.pixels[i] + rng.normal() * std;
      out[i] = bytes ? Math.min(255, Math.max(0, v + 0.5)) : v;
    }
    return { ...s, pixels: out };
  };
}

register("transform", "gaussian_noise", { formerly: ["GaussianNoise"], options: ["prob", "std"], build: gaussianNoise, summary: "additive Gaussian noise" });
