// Positional encoding by random spatial frequencies (Tancik et al. 2020, as SAM encodes prompts and
// the image grid): coordinates in [0, 1]² → [sin, cos](2π · (2p − 1) · G) with a fixed Gaussian G
// (buffer positional_encoding_gaussian_matrix, 2 × numPosFeats).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class PositionEmbeddingRandom extends nn.Module {
  declare readonly positional_encoding_gaussian_matrix: Tensor;

  constructor(numPosFeats: number, scale = 1) {
    super();
    this.registerBuffer("positional_encoding_gaussian_matrix", torch.tidy(() => torch.randn([2, numPosFeats]).mul(scale > 0 ? scale : 1)));
  }

  /** Normalised coordinates (..., 2) → (..., 2·numPosFeats). */
  forward(coords: Tensor): Tensor {
    const projected = coords.mul(2).sub(1).matmul(this.positional_encoding_gaussian_matrix).mul(2 * Math.PI);
    return torch.cat([projected.sin(), projected.cos()], -1);
  }
}

/** The normalised centres of an [h, w] grid's cells as (x, y): (h, w, 2), computed as the reference computes them. */
export function cellCentres([h, w]: number[]): Tensor {
  return torch.tidy(() => {
    const ones = torch.ones([h, w]);
    const y = ones.cumsum(0).sub(0.5).div(h);
    const x = ones.cumsum(1).sub(0.5).div(w);
    return torch.stack([x, y], -1);
  });
}
