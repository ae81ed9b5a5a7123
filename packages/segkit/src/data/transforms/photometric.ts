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

function hsvShift(p: Uint8Array, rng: Rng, saturation: [number, number], hueDelta: number): void {
  const sat = rng.chance(0.5) ? rng.uniform(saturation[0], saturation[1]) : 1;
  const hue = rng.chance(0.5) ? Math.floor(rng.uniform(-hueDelta, hueDelta)) * 2 : 0; // degrees
  if (sat === 1 && hue === 0) return;
  for (let i = 0; i < p.length; i += 3) {
    const r = p[i], g = p[i + 1], b = p[i + 2];
    const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
    if (d === 0) continue; // grey stays grey under both
    let h = max === r ? (g - b) / d : max === g ? 2 + (b - r) / d : 4 + (r - g) / d;
    h = (((h * 60 + hue) % 360) + 360) % 360;
    const s = Math.min(1, (d / max) * sat);
    const c = max * s, x = c * (1 - Math.abs(((h / 60) % 2) - 1)), m = max - c;
    // The three channels are m, m + x and m + c in an order set by the 60° sector.
    const lo = m + 0.5, mid = m + x + 0.5, hi = m + c + 0.5;
    switch (Math.floor(h / 60)) {
      case 0: p[i] = hi; p[i + 1] = mid; p[i + 2] = lo; break;
      case 1: p[i] = mid; p[i + 1] = hi; p[i + 2] = lo; break;
      case 2: p[i] = lo; p[i + 1] = hi; p[i + 2] = mid; break;
      case 3: p[i] = lo; p[i + 1] = mid; p[i + 2] = hi; break;
      case 4: p[i] = mid; p[i + 1] = lo; p[i + 2] = hi; break;
      default: p[i] = hi; p[i + 1] = lo; p[i + 2] = mid;
    }
  }
}

register("transform", "PhotoMetricDistortion", {
  options: ["brightnessDelta", "contrastRange", "saturationRange", "hueDelta"],
  build: photometric,
  summary: "random brightness, contrast, saturation and hue",
});
