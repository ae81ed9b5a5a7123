import type { Image } from "./image.js";

/**
 * The samples as float64, 8-bit data scaled to [0, 1] (skimage's img_as_float); other arrays are
 * taken as floats already.
 */
export function floatSamples(image: Image): Float64Array {
  const { data } = image;
  const out = Float64Array.from(data);
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) {
    for (let i = 0; i < out.length; i++) out[i] *= 1 / 255;
  }
  return out;
}
