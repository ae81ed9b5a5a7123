// Window multi-head self-attention with a learnt relative position bias (Swin, Liu et al. 2021), as
// timm's WindowAttention holds it: "qkv", "proj", "relative_position_bias_table" ((2ws−1)², heads);
// the index into the table for every pair of positions in a window is a non-persistent buffer, as in timm.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** For each pair (i, j) of positions in a ws×ws window, the row of the bias table of their offset. */
function relativePositionIndex(ws: number): Tensor {
  const n = ws * ws;
  const index = new BigInt64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / ws) - Math.floor(j / ws) + ws - 1;
      const dx = (i % ws) - (j % ws) + ws - 1;
      index[i * n + j] = BigInt(dy * (2 * ws - 1) + dx);
    }
  }
  return torch.tensor(index, { shape: [n * n] });
}

export class WindowAttention extends nn.Module {
  declare readonly relative_position_bias_table: Tensor;
  declare readonly relative_position_index: Tensor;
  readonly qkv: nn.Linear;
  readonly proj: nn.Linear;
  readonly #heads: number;
  readonly #windowArea: number;

  constructor(dim: number, heads: number, windowSize: number) {
    super();
    if (dim % heads !== 0) throw new RangeError(`WindowAttention: channels (${dim}) must be a multiple of numHeads (${heads})`);
    this.#heads = heads;
    this.#windowArea = windowSize * windowSize;
    this.registerParameter("relative_position_bias_table", torch.zeros([(2 * windowSize - 1) ** 2, heads]));
    this.registerBuffer("relative_position_index", relativePositionIndex(windowSize), { persistent: false });
    this.qkv = this.registerModule("qkv", new nn.Linear(dim, 3 * dim));
    this.proj = this.registerModule("proj", new nn.Linear(dim, dim));
  }

  /** x (B·nW, ws², C); mask (nW, ws², ws²) or null. */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    const [windows, n, c] = x.shape;
    const heads = this.#heads;
    const qkv = this.qkv.call(x).reshape([windows, n, 3, heads, c / heads]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i));
    const bias = this.relative_position_bias_table.indexSelect(0, this.relative_position_index)
      .reshape([this.#windowArea, this.#windowArea, heads]).permute([2, 0, 1]);
    let scores = q.mul((c / heads) ** -0.5).matmul(k.transpose(-2, -1)).add(bias);
    if (mask) {
      const count = mask.shape[0];
      scores = scores.reshape([windows / count, count, heads, n, n]).add(mask.unsqueeze(1)).reshape([windows, heads, n, n]);
    }
    return this.proj.call(scores.softmax(-1).matmul(v).transpose(1, 2).reshape([windows, n, c]));
  }
}
