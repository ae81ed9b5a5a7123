// RandomFlip: mirror the image and label with probability `prob`.
import { register } from "../../config/registry.js";
import { num, str, type Options } from "../options.js";
import type { RawSample, Transform } from "../types.js";

export function randomFlip(o: Options): Transform {
  const where = "transform RandomFlip";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const direction = str(o, "direction", "horizontal", where, ["horizontal", "vertical"] as const);
  return (s, rng) => (rng.chance(prob) ? (direction === "horizontal" ? flipH(s) : flipV(s)) : s);
}

function flipH(s: RawSample): RawSample {
  const { width: w, height: h, pixels, label } = s;
  const out = pixels.slice();
  const outLabel = label.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = y * w + x, dst = y * w + (w - 1 - x);
      outLabel[dst] = label[src];
      out[dst * 3] = pixels[src * 3];
      out[dst * 3 + 1] = pixels[src * 3 + 1];
      out[dst * 3 + 2] = pixels[src * 3 + 2];
    }
  }
  return { ...s, pixels: out, label: outLabel };
}

function flipV(s: RawSample): RawSample {
  const { width: w, height: h, pixels, label } = s;
  const out = pixels.slice();
  const outLabel = label.slice();
  for (let y = 0; y < h; y++) {
    out.set(pixels.subarray(y * w * 3, (y + 1) * w * 3), (h - 1 - y) * w * 3);
    outLabel.set(label.subarray(y * w, (y + 1) * w), (h - 1 - y) * w);
  }
  return { ...s, pixels: out, label: outLabel };
}

register("transform", "random_flip", { formerly: ["RandomFlip"], options: ["prob", "direction"], build: randomFlip, summary: "mirror with a probability" });
