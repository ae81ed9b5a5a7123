// The soft normalized-cut loss of W-Net (Xia & Kulis, "W-Net: A Deep Model for Fully Unsupervised
// Image Segmentation", arXiv:1711.08506, Sec. 3.2): for soft segment probabilities p over K segments,
//   J = K − Σ_k [Σ_u p_k(u) Σ_v w(u,v) p_k(v)] / [Σ_u p_k(u) Σ_t w(u,t)],
// with w(u,v) = exp(−‖F(u)−F(v)‖²/σ_I²) · exp(−‖X(u)−X(v)‖²/σ_X²) when ‖X(u)−X(v)‖ < r, else 0
// (F the pixel's features, X its position). The weights vanish beyond r, so the sums run over the
// offsets within r, one shifted copy of the image at a time: O(N r²) time and O(N) memory instead of
// the dense O(N²). The loss is averaged over the batch.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface SoftNCutOptions {
  /** r: pixels at distance r or more are unconnected (the paper's 5). */
  radius: number;
  /** σ_I, on the scale of the features (the paper's 10, on 0–255 intensities). */
  sigmaIntensity: number;
  /** σ_X in pixels (the paper's 4). */
  sigmaSpatial: number;
}

/** The offsets (dy, dx) with dy² + dx² < r². */
function offsetsWithin(radius: number): [number, number][] {
  const reach = Math.ceil(radius) - 1;
  const offsets: [number, number][] = [];
  for (let dy = -reach; dy <= reach; dy++) {
    for (let dx = -reach; dx <= reach; dx++) if (dy * dy + dx * dx < radius * radius) offsets.push([dy, dx]);
  }
  return offsets;
}

/**
 * J_soft-Ncut of `probabilities` (N, K, H, W; each pixel's K values sum to 1) with weights from
 * `features` (N, C, H, W), the batch mean.
 */
export function softNCutLoss(probabilities: Tensor, features: Tensor, { radius, sigmaIntensity, sigmaSpatial }: SoftNCutOptions): Tensor {
  if (probabilities.ndim !== 4 || features.ndim !== 4) throw new RangeError(`softNCutLoss: expected (N, K, H, W) probabilities and (N, C, H, W) features, got [${probabilities.shape}] and [${features.shape}]`);
  const [n, k, h, w] = probabilities.shape;
  if (features.shape[0] !== n || features.shape[2] !== h || features.shape[3] !== w) {
    throw new RangeError(`softNCutLoss: features [${features.shape}] do not match probabilities [${probabilities.shape}] in batch and size`);
  }
  for (const [key, value] of Object.entries({ radius, sigmaIntensity, sigmaSpatial })) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`softNCutLoss: ${key} must be a positive number, got ${value}`);
  }
  const pad = Math.ceil(radius);
  const padded = (t: Tensor) => torch.constantPadNd(t, [pad, pad, pad, pad], 0);
  const shifted = (t: Tensor, dy: number, dx: number) => t.narrow(2, pad + dy, h).narrow(3, pad + dx, w);
  const [paddedP, paddedF] = [padded(probabilities), padded(features)];
  // 1 inside the image, 0 in the padding: neighbours outside the image have no weight.
  const paddedInside = padded(torch.onesLike(features.narrow(1, 0, 1)));
  let association: Tensor | null = null; // Σ_v w(u,v) p_k(v), per pixel u
  let degree: Tensor | null = null; // Σ_t w(u,t), per pixel u
  for (const [dy, dx] of offsetsWithin(radius)) {
    const distance = shifted(paddedF, dy, dx).sub(features).square().sum([1], true);
    const weight = distance.div(-(sigmaIntensity ** 2)).exp().mul(Math.exp(-(dy * dy + dx * dx) / sigmaSpatial ** 2)).mul(shifted(paddedInside, dy, dx));
    const weighted = shifted(paddedP, dy, dx).mul(weight);
    association = association ? association.add(weighted) : weighted;
    degree = degree ? degree.add(weight) : weight;
  }
  const assoc = probabilities.mul(association!).sum([2, 3]); // (N, K)
  const volume = probabilities.mul(degree!).sum([2, 3]);
  return assoc.div(volume).sum([1]).neg().add(k).mean();
}
