// M-Net's polar transformation (Fu et al., IEEE TMI 2018, Sec. II.C, Fig. 3): the region around a
// centre (u0, v0) unrolled as p(r, θ) = I(u0 + r cos θ, v0 + r sin θ), so that concentric layers (optic
// cup, disc, background) become horizontal bands. Rows are radii from 0 to R and columns angles from
// 0 to 2π, both ends included: the first and last columns are the same ray, so the inverse never
// reads past the polar image's edge. Images are bilinear, labels nearest (remapSample); the inverse
// maps a polar sample, e.g. a prediction, back to the image (pixels beyond R get the fill value).
// Registered as "polar_transform".
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { RawSample, Transform } from "../types.js";
import { remapSample } from "./sampling.js";

export interface PolarGeometry {
  /** Centre [x, y] in pixel coordinates. */
  center: [number, number];
  /** R, the largest radius, in pixels. */
  radius: number;
}

/** For each pixel of a polar image of `height` × `width`, the image coordinate it samples. */
export function polarMaps(height: number, width: number, { center: [cx, cy], radius }: PolarGeometry): { mapX: Float32Array; mapY: Float32Array } {
  const mapX = new Float32Array(width * height), mapY = new Float32Array(width * height);
  for (let i = 0, o = 0; i < height; i++) {
    const r = (radius * i) / Math.max(height - 1, 1);
    for (let j = 0; j < width; j++, o++) {
      const theta = (2 * Math.PI * j) / Math.max(width - 1, 1);
      mapX[o] = cx + r * Math.cos(theta);
      mapY[o] = cy + r * Math.sin(theta);
    }
  }
  return { mapX, mapY };
}

/** For each pixel of a `height` × `width` image, the coordinate it samples in a polar image of `polarHeight` × `polarWidth`. */
export function cartesianMaps(height: number, width: number, polarHeight: number, polarWidth: number, { center: [cx, cy], radius }: PolarGeometry): { mapX: Float32Array; mapY: Float32Array } {
  const mapX = new Float32Array(width * height), mapY = new Float32Array(width * height);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o++) {
      const theta = Math.atan2(y - cy, x - cx);
      mapX[o] = ((theta < 0 ? theta + 2 * Math.PI : theta) * (polarWidth - 1)) / (2 * Math.PI);
      mapY[o] = (Math.hypot(x - cx, y - cy) * (polarHeight - 1)) / radius;
    }
  }
  return { mapX, mapY };
}

/** `s` in polar coordinates, `size` [height, width] (radii × angles). */
export function toPolar(s: RawSample, size: [number, number], geometry: PolarGeometry, fill = 0, ignore = 255): RawSample {
  const { mapX, mapY } = polarMaps(size[0], size[1], geometry);
  return remapSample(s, mapX, mapY, size[1], size[0], fill, ignore);
}

/** The polar sample `s` back in image coordinates of `size` [height, width]; pixels beyond the radius get `fill` and `ignore`. */
export function fromPolar(s: RawSample, size: [number, number], geometry: PolarGeometry, fill = 0, ignore = 255): RawSample {
  const { mapX, mapY } = cartesianMaps(size[0], size[1], s.height, s.width, geometry);
  return remapSample(s, mapX, mapY, size[1], size[0], fill, ignore);
}

export function polarTransform(o: Options): Transform {
  const where = "transform polar_transform";
  const value = num(o, "value", 0, where);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  // Unset: the image centre, the largest radius that stays inside, the image's own size.
  const center = o.center === undefined ? null : pair(o, "center", undefined, where);
  const radius = o.radius === undefined ? null : num(o, "radius", 0, where, [Number.MIN_VALUE, Infinity]);
  const size = o.size === undefined ? null : pair(o, "size", undefined, where);
  if (size && !size.every((n) => Number.isInteger(n) && n >= 2)) throw new RangeError(`${where}: "size" must be [height, width] in integers ≥ 2, got ${JSON.stringify(size)}`);
  return (s) => {
    const geometry = { center: center ?? [(s.width - 1) / 2, (s.height - 1) / 2] as [number, number], radius: radius ?? (Math.min(s.width, s.height) - 1) / 2 };
    return toPolar(s, size ?? [s.height, s.width], geometry, value, ignore);
  };
}

register("transform", "polar_transform", {
  options: ["center", "radius", "size", "value", "ignoreIndex"],
  build: polarTransform,
  summary: "M-Net's polar unrolling around a centre: rows radius 0..R, columns angle 0..2π",
});
