// Palettes for formats that do not define one: PASCAL VOC's colour map (the bits of the class index
// spread over the high bits of R, G and B), which VOC's own label PNGs use.
import type { Rgb } from "../types.js";

export function vocColourMap(count: number): Rgb[] {
  return Array.from({ length: count }, (_, index) => {
    const rgb: Rgb = [0, 0, 0];
    for (let bit = 7, c = index; c > 0; bit--, c >>= 3) {
      for (let k = 0; k < 3; k++) rgb[k] |= ((c >> k) & 1) << bit;
    }
    return rgb;
  });
}
