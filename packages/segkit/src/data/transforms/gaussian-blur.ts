// GaussianBlur: with probability `prob`, blur the pixels with a random sigma from `sigmaRange`
// (separable kernel, edges clamped). Labels are untouched.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { Transform } from "../types.js";

export function gaussianBlur(o: Options): Transform {
  const where = "transform GaussianBlur";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const [lo, hi] = pair(o, "sigmaRange", [0.1, 2], where);
  return (s, rng) => {
    if (!rng.chance(prob)) return s;
    const sigma = rng.uniform(lo, hi);
    const radius = Math.max(1, Math.ceil(3 * sigma));
    const kernel = Float32Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
    const total = kernel.reduce((a, b) => a + b, 0);
    kernel.forEach((v, i) => (kernel[i] = v / total));
    const { width: w, height: h } = s;
    const pass = (src: ArrayLike<number>, dst: Uint8Array | Float32Array, stepX: number, stepY: number): void => {
      const round = dst instanceof Uint8Array ? 0.5 : 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) {
            let acc = 0;
            for (let k = -radius; k <= radius; k++) {
              const sx = Math.min(Math.max(x + k * stepX, 0), w - 1), sy = Math.min(Math.max(y + k * stepY, 0), h - 1);
              acc += kernel[k + radius] * src[(sy * w + sx) * 3 + c];
            }
            dst[(y * w + x) * 3 + c] = acc + round;
          }
        }
      }
    };
    const tmp = new Float32Array(s.pixels.length);
    pass(s.pixels, tmp, 1, 0);
    const out = s.pixels instanceof Uint8Array ? new Uint8Array(s.pixels.length) : new Float32Array(s.pixels.length);
    pass(tmp, out, 0, 1);
    return { ...s, pixels: out };
  };
}

register("transform", "gaussian_blur", { formerly: ["GaussianBlur"], options: ["prob", "sigmaRange"], build: gaussianBlur, summary: "blur with a random sigma" });
