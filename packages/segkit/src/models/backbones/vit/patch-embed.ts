// Patch embedding (timm's PatchEmbed, key patch_embed.proj): a patch×patch conv of stride patch.
// Inputs whose sides are not multiples of the patch are zero-padded at the bottom and right (timm's
// dynamic_img_pad, mmsegmentation's "corner" padding); with padding off they are refused.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class PatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;

  constructor(readonly patchSize: number, inChannels: number, embedDim: number, readonly pad = true) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, embedDim, patchSize, { stride: patchSize }));
  }

  /** The token grid [h, w] an input of `size` [H, W] gives. */
  grid([h, w]: number[]): number[] {
    const p = this.patchSize;
    if (!this.pad && (h % p !== 0 || w % p !== 0)) {
      throw new RangeError(`PatchEmbed: input height and width must be multiples of the patch size ${p} (the divisor) when padding is off, got ${h}×${w}`);
    }
    return [Math.ceil(h / p), Math.ceil(w / p)];
  }

  /** (B, C, H, W) → (B, D, h, w) on the grid. */
  forward(x: Tensor): Tensor {
    const [h, w] = x.shape.slice(2);
    const [gh, gw] = this.grid([h, w]);
    const p = this.patchSize;
    const padded = gh * p === h && gw * p === w ? x : torch.constantPadNd(x, [0, gw * p - w, 0, gh * p - h], 0);
    return this.proj.call(padded);
  }
}
