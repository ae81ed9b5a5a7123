// PhotoMetricDistortion (mmseg): each with probability 1/2 — brightness (add ±brightnessDelta),
// contrast (times [low, high]) before or after the colour steps, saturation (times [low, high])
// and hue (± hueDelta in OpenCV's 0–180 hue units), clipping to bytes after each step like mmseg.
// Brightness and contrast run through one 256-entry lookup table; saturation and hue share one
// RGB→HSV→RGB pass.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { Transform } from "../types.js";
import type { Rng } from "../rng.js";

export function photometric(o: Options): Transform {
  const where = "transform PhotoMetricDistortion";
  const brightness = num(o, "brightnessDelta", 32, where, [0, 255]);
  const contrast = pair(o, "contrastRange", [0.5, 1.5], where);
  const saturation = pair(o, "saturationRange", [0.5, 1.5], where);
  const hue = num(o, "hueDelta", 18, where, [0, 180]);
  return (s, rng) => {
    if (!(s.pixels instanceof Uint8Array)) throw new Error(`${where} needs byte pixels: put it before Normalize`);
    const first = identityLut();
    if (rng.chance(0.5)) affine(first, 1, rng.uniform(-brightness, brightness));
    const contrastFirst = rng.chance(0.5);
    const contrastFactor = rng.chance(0.5) ? rng.uniform(contrast[0], contrast[1]) : 1;
    if (contrastFirst) affine(first, contrastFactor, 0);
    const pixels = s.pixels.slice();
    for (let i = 0; i < pixels.length; i++) pixels[i] = first[pixels[i]];
    hsvShift(pixels, rng, saturation, hue);
    if (!contrastFirst && contrastFactor !== 1) {
      const last = affine(identityLut(), contrastFactor, 0);
      for (let i = 0; i < pixels.length; i++) pixels[i] = last[pixels[i]];
    }
    return { ...s, pixels };
  };
}

function identityLut(): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, v) => v);
}

/** Composes v → clip(v·scale + shift) onto the table, truncating to bytes like mmseg's astype. */
function affine(lut: Uint8Array, scale: number, shift: number): Uint8Array {
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.max(0, lut[v] * scale + shift));
  return lut;
}

function hsvShift(px: Uint8Array, rng: Rng, saturation: [number, number], hueDelta: number): void {
  const sat = rng.chance(0.5) ? rng.uniform(saturation[0], saturation[1]) : 1;
  const shift = rng.chance(0.5) ? (Math.floor(rng.uniform(-hueDelta, hueDelta)) * 2) / 60 : 0; // in 60° sectors
  if (sat === 1 && shift === 0) return;
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i], g = px[i + 1], b = px[i + 2];
    const v = Math.max(r, g, b), d = v - Math.min(r, g, b);
    if (d === 0) continue; // grey stays grey under both
    let h = (v === r ? (g - b) / d : v === g ? 2 + (b - r) / d : 4 + (r - g) / d) + shift;
    if (h < 0) h += 6;
    if (h >= 6) h -= 6;
    const s = Math.min(1, (d / v) * sat);
    const sector = h | 0, f = h - sector;
    // HSV → RGB: the channels are v, p, q or t depending on the sector.
    const p = v * (1 - s) + 0.5, q = v * (1 - s * f) + 0.5, t = v * (1 - s * (1 - f)) + 0.5, w = v + 0.5;
    switch (sector) {
      case 0: px[i] = w; px[i + 1] = t; px[i + 2] = p; break;
      case 1: px[i] = q; px[i + 1] = w; px[i + 2] = p; break;
      case 2: px[i] = p; px[i + 1] = w; px[i + 2] = t; break;
      case 3: px[i] = p; px[i + 1] = q; px[i + 2] = w; break;
      case 4: px[i] = t; px[i + 1] = p; px[i + 2] = w; break;
      default: px[i] = w; px[i + 1] = p; px[i + 2] = q;
    }
  }
}

register("transform", "photo_metric_distortion", { formerly: ["PhotoMetricDistortion"],
  options: ["brightnessDelta", "contrastRange", "saturationRange", "hueDelta"],
  build: photometric,
  summary: "random brightness, contrast, saturation and hue",
});
