/**
 * Boundary IoU (Cheng et al., CVPR 2021): IoU restricted to the band of each mask within distance
 * d of its contour, so that errors along boundaries of large objects are not drowned by their
 * interiors. d = dilationRatio × image diagonal (at least one pixel). The band here is Euclidean
 * (the reference implementation erodes with a 3×3 square, i.e. chessboard distance); pixels
 * outside the image count as background, so image borders are contours too.
 */
import { divide, type AbsentPolicy } from "./absent.js";
import { squaredDistanceTransform, type Grid } from "./distance-transform.js";

export interface BoundaryIoUOptions {
  /** Band width as a fraction of the image diagonal; 0.02 as in the paper. */
  dilationRatio?: number;
  /** Both bands empty: NaN ("mmseg"), 0 ("torchmetrics") or 1 ("smp"). */
  absent?: AbsentPolicy;
}

/** Foreground pixels within `d` of the nearest background pixel (or of the image's outside). */
export function innerBand(mask: ArrayLike<number | boolean>, grid: Grid, d: number): Uint8Array {
  const { width: w, height: h } = grid;
  if (mask.length !== w * h) throw new RangeError(`mask has ${mask.length} pixels, expected ${w}×${h} = ${w * h}`);
  // A one-pixel frame of background around the image makes its border a contour.
  const pw = w + 2;
  const background = new Uint8Array(pw * (h + 2)).fill(1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) background[(y + 1) * pw + x + 1] = mask[y * w + x] ? 0 : 1;
  const dist2 = squaredDistanceTransform(background, { width: pw, height: h + 2, spacing: grid.spacing });
  const band = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      band[i] = mask[i] && dist2[(y + 1) * pw + x + 1] <= d * d ? 1 : 0;
    }
  }
  return band;
}

export function boundaryIoU(
  pred: ArrayLike<number | boolean>,
  gt: ArrayLike<number | boolean>,
  grid: Grid,
  { dilationRatio = 0.02, absent = "mmseg" }: BoundaryIoUOptions = {},
): number {
  if ((grid.depth ?? 1) !== 1 || grid.spacing?.length === 3) throw new RangeError("boundaryIoU is defined for 2D masks, not volumes");
  const [sy, sx] = grid.spacing ?? [1, 1];
  const diagonal = Math.hypot(grid.height * sy, grid.width * sx);
  const d = Math.max(Math.round(dilationRatio * diagonal), Math.min(sy, sx));
  const a = innerBand(pred, grid, d);
  const b = innerBand(gt, grid, d);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return divide(inter, union, absent);
}
