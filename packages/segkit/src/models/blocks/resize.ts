// Bilinear resizing as F.interpolate(mode="bilinear", align_corners=False) does it.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** `x` resized to `size` ([H, W]); returned as is when it already has that size. */
export function resize(x: Tensor, size: number[]): Tensor {
  const [h, w] = x.shape.slice(-2);
  if (h === size[0] && w === size[1]) return x;
  return torch.upsampleBilinear2d(x, size.slice(-2), false);
}

/** The spatial size [H, W] of an (N, C, H, W) tensor. */
export function spatial(x: Tensor): number[] {
  return x.shape.slice(-2);
}
