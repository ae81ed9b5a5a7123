/**
 * Sobel gradient magnitude of a grey image, as skimage.filters.sobel defines it: the derivative
 * [1, 0, −1] along one axis smoothed by [1, 2, 1]/4 along the other, "reflect" borders, and
 * √((g_y² + g_x²) / 2). The usual surface for a watershed.
 */
import { floatSamples } from "./float-image.js";
import { checkImage, type Image } from "./image.js";

export function sobel(image: Image): Image {
  checkImage("sobel", "image", image, [1]);
  const { width, height } = image;
  const v = floatSamples(image);
  const out = new Float64Array(width * height);
  // Reflect borders of a 3-tap filter: the pixel outside is the edge pixel itself.
  const at = (x: number, y: number): number => v[Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gy = (at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1)) / 4;
      const gx = (at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1)) / 4;
      out[y * width + x] = Math.sqrt(gy * gy + gx * gx) / Math.SQRT2;
    }
  }
  return { width, height, channels: 1, data: out };
}
