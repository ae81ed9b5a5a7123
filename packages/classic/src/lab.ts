/**
 * sRGB in [0, 1] to CIELAB (D65, 2° observer), with the constants skimage.color.rgb2lab uses
 * (sRGB companding threshold 0.04045, the 0.412453… matrix, f(t) linear below 0.008856).
 */
const XYZ_FROM_RGB = [0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227];
const WHITE_D65 = [0.95047, 1, 1.08883];

/** sRGB companding undone: a sample in [0, 1] to linear light. */
export function linearFromSrgb(v: number): number {
  return v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
}

function f(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** Linear-light r, g, b to L, a, b written at out[at..at+3). */
export function labFromLinearRgb(r: number, g: number, b: number, out: Float64Array, at: number): void {
  const m = XYZ_FROM_RGB;
  const fx = f((r * m[0] + g * m[1] + b * m[2]) / WHITE_D65[0]);
  const fy = f((r * m[3] + g * m[4] + b * m[5]) / WHITE_D65[1]);
  const fz = f((r * m[6] + g * m[7] + b * m[8]) / WHITE_D65[2]);
  out[at] = 116 * fy - 16;
  out[at + 1] = 500 * (fx - fy);
  out[at + 2] = 200 * (fy - fz);
}

/** Converts interleaved RGB triplets in [0, 1] to L, a, b in place. */
export function rgbToLabInPlace(data: Float64Array): void {
  for (let i = 0; i < data.length; i += 3) labFromLinearRgb(linearFromSrgb(data[i]), linearFromSrgb(data[i + 1]), linearFromSrgb(data[i + 2]), data, i);
}
