// Resolution changes as layers: Upsample (interpolate), PixelShuffle and PixelUnshuffle.
import type { Tensor } from "../../tensor.js";
import { pixelShuffle, pixelUnshuffle } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkRank } from "../check.js";
import { interpolate, type InterpolateOptions } from "../functional/interpolate.js";

/** F.interpolate as a layer: by size or scaleFactor, mode "nearest" by default. */
export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return interpolate(x, this.options);
  }

  protected override extraRepr(): string {
    const { size, scaleFactor, mode = "nearest", alignCorners } = this.options;
    const parts = [size !== undefined ? `size=${JSON.stringify(size)}` : `scale_factor=${JSON.stringify(scaleFactor)}`, `mode='${mode}'`];
    if (alignCorners !== undefined) parts.push(`align_corners=${alignCorners}`);
    return parts.join(", ");
  }
}

/** (N, C·r², H, W) → (N, C, H·r, W·r). */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    const r2 = this.upscaleFactor ** 2;
    if (x.shape[x.ndim - 3] % r2 !== 0) {
      throw new RangeError(`${this.describe()}: expected input of shape (N, C·${r2}, H, W), got [${x.shape.join(", ")}]`);
    }
    return pixelShuffle(x, this.upscaleFactor);
  }

  protected override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** (N, C, H·r, W·r) → (N, C·r², H, W). */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    const r = this.downscaleFactor;
    if (x.shape[x.ndim - 1] % r !== 0 || x.shape[x.ndim - 2] % r !== 0) {
      throw new RangeError(`${this.describe()}: expected input of shape (N, C, H·${r}, W·${r}), got [${x.shape.join(", ")}]`);
    }
    return pixelUnshuffle(x, r);
  }

  protected override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
