// SAM's input transform (the authors' ResizeLongestSide): the image resized so its long side is the
// model's input size (the short side rounded half up), and prompt coordinates scaled with it.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** The [h, w] an image of [height, width] is resized to for a long side of `longSide`. */
export function resizedShape([height, width]: number[], longSide: number): [number, number] {
  const scale = longSide / Math.max(height, width);
  return [Math.trunc(height * scale + 0.5), Math.trunc(width * scale + 0.5)];
}

/**
 * An RGB image (H, W, 3) of 0-255 values → (1, 3, h, w) float 0-255, long side `longSide`: bilinear
 * with antialiasing, rounded to whole levels, as the reference's PIL resize of its uint8 image
 * (torch's antialiased bilinear follows PIL's filter; results differ from PIL by at most one level).
 */
export function resizeLongestSide(image: Tensor, longSide: number): Tensor {
  const [height, width] = image.shape;
  const size = resizedShape([height, width], longSide);
  const chw = image.to("float32").permute([2, 0, 1]).unsqueeze(0);
  if (size[0] === height && size[1] === width) return chw.contiguous();
  return torch._upsampleBilinear2dAa(chw, size, false).round().clamp(0, 255);
}

/** (x, y) pixel coordinates in an image of `originalSize` [H, W] → the resized image's frame. */
export function scaleCoords(coords: number[][], originalSize: number[], longSide: number): number[][] {
  const [h, w] = resizedShape(originalSize, longSide);
  return coords.map(([x, y]) => [x * (w / originalSize[1]), y * (h / originalSize[0])]);
}
