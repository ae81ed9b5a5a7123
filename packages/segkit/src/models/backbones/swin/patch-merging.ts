// Swin's patch merging on channels-last maps: each 2×2 neighbourhood's 4 tokens concatenated (in
// timm's order: (0,0), (1,0), (0,1), (1,1) as (row, column)), LayerNorm, a linear map to 2C without
// bias ("norm", "reduction"). An odd grid is zero-padded at the bottom/right first, as
// mmsegmentation's PatchMerging does (timm requires even grids).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class PatchMerging extends nn.Module {
  readonly norm: nn.LayerNorm;
  readonly reduction: nn.Linear;

  constructor(dim: number, outDim: number) {
    super();
    this.norm = this.registerModule("norm", new nn.LayerNorm(4 * dim));
    this.reduction = this.registerModule("reduction", new nn.Linear(4 * dim, outDim, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    const [b, h, w, c] = x.shape;
    const even = h % 2 || w % 2 ? torch.constantPadNd(x, [0, 0, 0, w % 2, 0, h % 2]) : x;
    const [h2, w2] = [(h + (h % 2)) / 2, (w + (w % 2)) / 2];
    const merged = even.reshape([b, h2, 2, w2, 2, c]).permute([0, 1, 3, 4, 2, 5]).reshape([b, h2, w2, 4 * c]);
    return this.reduction.call(this.norm.call(merged));
  }
}
