// SAM's input transform (the authors' ResizeLongestSide): the image resized so its long side is the
// model's input size (the short side rounded half up), and prompt coordinates scaled with it.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { pilBilinearResize } from "./pil-resize.js";

/** The [h, w] an image of [height, width] is resized to for a long side of `longSide`. */
export function resizedShape([height, width]: number[], longSide: number): [number, number] {
  const scale = longSide / Math.max(height, width);
  return [Math.trunc(height * scale + 0.5), Math.trunc(width * scale + 0.5)];
}

/**
 * An RGB image (H, W, 3) uint8 → (1, 3, h, w) float 0-255 with long side `longSide`, resized by
 * Pillow's bilinear filter as the reference resizes (so the model sees the same pixels).
 */
export function resizeLongestSide(image: Tensor, longSide: number): Tensor {
  if (image.dtype !== "uint8" || image.ndim !== 3) throw new RangeError(`resizeLongestSide: expected an (H, W, C) uint8 image, got ${image.dtype} [${image.shape.join(", ")}]`);
  const size = resizedShape(image.shape, longSide);
  const pixels = pilBilinearResize(torch.tidy(() => image.contiguous().toTypedArray()) as Uint8Array, image.shape, size);
  return torch.tidy(() => torch.tensor(pixels, { shape: [...size, image.shape[2]] }).permute([2, 0, 1]).unsqueeze(0).to("float32").contiguous());
}

/** (x, y) pixel coordinates in an image of `originalSize` [H, W] → the resized image's frame. */
export function scaleCoords(coords: number[][], originalSize: number[], longSide: number): number[][] {
  const [h, w] = resizedShape(originalSize, longSide);
  return coords.map(([x, y]) => [x * (w / originalSize[1]), y * (h / originalSize[0])]);
}
