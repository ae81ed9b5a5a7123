// Distance maps of target masks for the boundary-based losses, computed without grad (they depend
// on the target only) with @segkit/metrics' exact Euclidean distance transform, plane by plane.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { distanceTransform } from "@segkit/metrics";

/**
 * signed: Kervadec et al.'s level set, distance to the mask outside it and −(distance to the
 *   background − 1) inside; boundary: distance to the other side of the mask's border everywhere
 *   (Karimi & Salcudean's d). A plane whose mask is empty or full has no border and gets zeros.
 */
export type DistanceKind = "signed" | "boundary";

/** Per-plane distance map of a (N,C,H,W) 0/1 mask, as a float64 tensor of the same shape. */
export function distanceMaps(mask: Tensor, kind: DistanceKind): Tensor {
  const [n, c, h, w] = mask.shape;
  const values = mask.to("float64").contiguous().toTypedArray() as Float64Array;
  const out = new Float64Array(values.length);
  const grid = { width: w, height: h };
  const plane = h * w;
  for (let start = 0; start < n * c * plane; start += plane) {
    const inside = values.subarray(start, start + plane).map((v) => (v > 0.5 ? 1 : 0));
    const area = inside.reduce((a, b) => a + b, 0);
    if (area === 0 || area === plane) continue;
    const toInside = distanceTransform(inside, grid);
    const toOutside = distanceTransform(inside.map((v) => 1 - v), grid);
    for (let i = 0; i < plane; i++) {
      if (kind === "signed") out[start + i] = inside[i] ? 1 - toOutside[i] : toInside[i];
      else out[start + i] = inside[i] ? toOutside[i] : toInside[i];
    }
  }
  return torch.tensor(out, { shape: [n, c, h, w], dtype: "float64" });
}

/**
 * For (N,H,W) labels: 1 on the pixels where the label changes (a 4-neighbour differs), falling
 * linearly to 0 at the pixel farthest from such a border in each image (Calivà et al.'s inverted,
 * normalised distance map). An image without borders gets zeros.
 */
export function invertedBorderDistance(labels: Tensor): Tensor {
  const [n, h, w] = labels.shape;
  const values = labels.contiguous().toTypedArray();
  const out = new Float64Array(n * h * w);
  const plane = h * w;
  for (let start = 0; start < n * plane; start += plane) {
    const border = new Uint8Array(plane);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = start + y * w + x;
        const v = values[i];
        const differs =
          (x > 0 && values[i - 1] !== v) || (x + 1 < w && values[i + 1] !== v) || (y > 0 && values[i - w] !== v) || (y + 1 < h && values[i + w] !== v);
        border[y * w + x] = differs ? 1 : 0;
      }
    }
    if (!border.includes(1)) continue;
    const d = distanceTransform(border, { width: w, height: h });
    const farthest = d.reduce((a, b) => Math.max(a, b), 0);
    for (let i = 0; i < plane; i++) out[start + i] = farthest > 0 ? 1 - d[i] / farthest : 1;
  }
  return torch.tensor(out, { shape: [n, h, w], dtype: "float64" });
}
