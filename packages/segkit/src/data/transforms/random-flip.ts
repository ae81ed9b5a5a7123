// RandomFlip: mirror the image and label (and panoptic ids, instance masks) with probability `prob`.
import { register } from "../../config/registry.js";
import { num, str, type Options } from "../options.js";
import { carrySegments } from "../segments/carry-segments.js";
import type { RawSample, Transform } from "../types.js";
import { like } from "./sampling.js";

type Direction = "horizontal" | "vertical";

export function randomFlip(o: Options): Transform {
  const where = "transform RandomFlip";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const direction = str(o, "direction", "horizontal", where, ["horizontal", "vertical"] as const);
  return (s, rng) => (rng.chance(prob) ? flipSample(s, direction) : s);
}

function flipSample(s: RawSample, direction: Direction): RawSample {
  const { width: w, height: h } = s;
  const out = { ...s, pixels: flipPlane(s.pixels, w, h, 3, direction), label: flipPlane(s.label, w, h, 1, direction) };
  return carrySegments(s, out, (plane) => flipPlane(plane, w, h, 1, direction));
}

/** A w×h×channels plane mirrored left–right or top–bottom. */
function flipPlane<T extends Uint8Array | Float32Array | Int32Array>(src: T, w: number, h: number, channels: number, direction: Direction): T {
  const out = like(src, src.length); // every element is written below
  const row = w * channels;
  for (let y = 0; y < h; y++) {
    if (direction === "vertical") {
      out.set(src.subarray(y * row, (y + 1) * row), (h - 1 - y) * row);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const from = y * row + x * channels, to = y * row + (w - 1 - x) * channels;
      for (let k = 0; k < channels; k++) out[to + k] = src[from + k];
    }
  }
  return out;
}

register("transform", "random_flip", { formerly: ["RandomFlip"], options: ["prob", "direction"], build: randomFlip, summary: "mirror with a probability" });
