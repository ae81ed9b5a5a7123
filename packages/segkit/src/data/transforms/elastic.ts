// ElasticDeform (the U-Net paper's augmentation): random displacements drawn on a coarse grid
// (`grid` × `grid` points, standard deviation `sigma` pixels) and interpolated smoothly over the
// image; pixels bilinear, labels nearest; outside the image → value / ignore.
import { register } from "../../config/registry.js";
import { num, type Options } from "../options.js";
import type { Transform } from "../types.js";
import { remapSample } from "./sampling.js";

export function elasticDeform(o: Options): Transform {
  const where = "transform ElasticDeform";
  const prob = num(o, "prob", 0.5, where, [0, 1]);
  const grid = num(o, "grid", 3, where, [2, 64]);
  const sigma = num(o, "sigma", 10, where, [0, 1000]);
  const value = num(o, "value", 0, where);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return (s, rng) => {
    if (!rng.chance(prob)) return s;
    const dx = Float32Array.from({ length: grid * grid }, () => rng.normal() * sigma);
    const dy = Float32Array.from({ length: grid * grid }, () => rng.normal() * sigma);
    const mapX = new Float32Array(s.width * s.height), mapY = new Float32Array(s.width * s.height);
    for (let y = 0, i = 0; y < s.height; y++) {
      const gy = (y / Math.max(s.height - 1, 1)) * (grid - 1);
      for (let x = 0; x < s.width; x++, i++) {
        const gx = (x / Math.max(s.width - 1, 1)) * (grid - 1);
        mapX[i] = x + smooth(dx, grid, gx, gy);
        mapY[i] = y + smooth(dy, grid, gx, gy);
      }
    }
    return remapSample(s, mapX, mapY, s.width, s.height, value, ignore);
  };
}

/** Interpolates the grid at (gx, gy) with a smoothstep between points (no kinks at grid lines). */
function smooth(values: Float32Array, grid: number, gx: number, gy: number): number {
  const x0 = Math.min(Math.floor(gx), grid - 2), y0 = Math.min(Math.floor(gy), grid - 2);
  const ease = (t: number): number => t * t * (3 - 2 * t);
  const tx = ease(gx - x0), ty = ease(gy - y0);
  const at = (x: number, y: number): number => values[y * grid + x];
  const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * tx;
  const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * tx;
  return top + (bottom - top) * ty;
}

register("transform", "elastic_deform", { formerly: ["ElasticDeform"], options: ["prob", "grid", "sigma", "value", "ignoreIndex"], build: elasticDeform, summary: "U-Net style elastic deformation" });
