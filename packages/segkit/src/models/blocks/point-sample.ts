// Sampling feature maps at points given in [0, 1] × [0, 1] image coordinates (x, y), as mmcv's
// point_sample does it for PointRend: grid_sample at 2p − 1 with align_corners false.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** (N, C, H, W) sampled at points (N, P, 2): (N, C, P). */
export function pointSample(input: Tensor, points: Tensor, mode: "bilinear" | "nearest" = "bilinear"): Tensor {
  const [n, p] = points.shape;
  const grid = points.mul(2).sub(1).reshape([n, p, 1, 2]);
  return nn.functional.gridSample(input, grid, { mode, alignCorners: false }).reshape([n, input.shape[1], p]);
}
