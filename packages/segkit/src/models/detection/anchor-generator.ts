// Anchors as torchvision's AnchorGenerator lays them out: per level, base anchors centred on 0 for
// each aspect ratio (height / width) × size, rounded to integers, shifted to every feature-map cell
// (cell × stride, the stride being the padded image size over the map size, floored); anchors are
// ordered cell by cell, the base anchors within a cell, levels one after another.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class AnchorGenerator {
  /** Base anchors (A, 4) per level, flat; computed on first use (a model built on the meta device has none). */
  #cells: number[][] | null = null;

  constructor(readonly sizes: number[][], readonly aspectRatios: number[][]) {
    if (sizes.length !== aspectRatios.length) throw new RangeError(`AnchorGenerator: ${sizes.length} levels of sizes but ${aspectRatios.length} of aspect ratios`);
  }

  /** Anchors per location on each level. */
  get numAnchors(): number[] {
    return this.sizes.map((s, i) => s.length * this.aspectRatios[i].length);
  }

  /** All levels' anchors (ΣHᵢWᵢAᵢ, 4) for maps of `gridSizes` [H, W] over a padded batch of `imageSize` [H, W]. */
  forward(gridSizes: number[][], imageSize: number[]): Tensor {
    if (gridSizes.length !== this.sizes.length) throw new RangeError(`AnchorGenerator: ${gridSizes.length} feature maps for ${this.sizes.length} levels`);
    const cells = (this.#cells ??= this.sizes.map((scales, i) => baseAnchors(scales, this.aspectRatios[i])));
    return torch.tidy(() => torch.cat(gridSizes.map(([h, w], level) => {
      const strideY = Math.floor(imageSize[0] / h);
      const strideX = Math.floor(imageSize[1] / w);
      const shiftX = torch.arange(w, { dtype: "float32" }).mul(strideX).unsqueeze(0).expand([h, w]).reshape([-1]);
      const shiftY = torch.arange(h, { dtype: "float32" }).mul(strideY).unsqueeze(1).expand([h, w]).reshape([-1]);
      const shifts = torch.stack([shiftX, shiftY, shiftX, shiftY], 1);
      return shifts.unsqueeze(1).add(torch.tensor(cells[level], { dtype: "float32" }).reshape([1, -1, 4])).reshape([-1, 4]);
    }), 0));
  }
}

/** The (A, 4) anchors centred on 0 (flat), in float32 as torchvision computes them, then rounded. */
function baseAnchors(scales: number[], ratios: number[]): number[] {
  return torch.tidy(() => {
    const s = torch.tensor(scales, { dtype: "float32" });
    const hRatios = torch.tensor(ratios, { dtype: "float32" }).sqrt();
    const wRatios = hRatios.reciprocal();
    const ws = wRatios.unsqueeze(1).mul(s.unsqueeze(0)).reshape([-1]);
    const hs = hRatios.unsqueeze(1).mul(s.unsqueeze(0)).reshape([-1]);
    return torch.stack([ws.neg(), hs.neg(), ws, hs], 1).div(2).round().toArray();
  });
}
