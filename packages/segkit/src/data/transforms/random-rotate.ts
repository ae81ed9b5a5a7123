// RandomRotate (mmseg): with probability `prob`, rotate by an angle in ±degree about the centre,
// keeping the size; uncovered pixels get `value`, uncovered labels the ignore index.
import { register } from "../../config/registry.js";
import { num, type Options } from "../options.js";
import type { Transform } from "../types.js";
import { remapSample } from "./sampling.js";

export function randomRotate(o: Options): Transform {
  const where = "transform RandomRotate";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const degree = num(o, "degree", 10, where, [0, 180]);
  const value = num(o, "value", 0, where);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return (s, rng) => {
    if (!rng.chance(prob)) return s;
    const angle = (rng.uniform(-degree, degree) * Math.PI) / 180;
    const cos = Math.cos(angle), sin = Math.sin(angle);
    const cx = (s.width - 1) / 2, cy = (s.height - 1) / 2;
    const mapX = new Float32Array(s.width * s.height), mapY = new Float32Array(s.width * s.height);
    for (let y = 0, i = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++, i++) {
        mapX[i] = cos * (x - cx) + sin * (y - cy) + cx;
        mapY[i] = -sin * (x - cx) + cos * (y - cy) + cy;
      }
    }
    return remapSample(s, mapX, mapY, s.width, s.height, value, ignore);
  };
}

register("transform", "random_rotate", { formerly: ["RandomRotate"], options: ["prob", "degree", "value", "ignoreIndex"], build: randomRotate, summary: "rotate by a random angle" });
