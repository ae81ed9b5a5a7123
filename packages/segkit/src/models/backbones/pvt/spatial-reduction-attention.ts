// Spatial-reduction attention (PVT, Wang et al. 2021): keys and values come from a shrunken token
// grid, a strided conv of kernel = stride = srRatio plus LayerNorm (none at ratio 1); PVT v2's linear
// variant ("Li") instead average-pools the grid to 7×7, then 1×1 conv, LayerNorm and GELU, so the
// cost is linear in the tokens. Keys as timm's pvt_v2 Attention: "q", "kv" (keys then values),
// "proj", "sr", "norm".
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { chunkedAttention, headWidth, mergeHeads, splitHeads } from "../../blocks/chunked-attention.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";

export interface SpatialReductionOptions {
  srRatio: number;
  /** Linear SRA: pool to 7×7 instead of a strided conv (PVT v2-Li). */
  linear?: boolean;
}

/** The pooled grid of linear SRA. */
const LINEAR_POOL_SIZE = 7;

export class SpatialReductionAttention extends nn.Module {
  readonly q: nn.Linear;
  readonly kv: nn.Linear;
  readonly proj: nn.Linear;
  readonly pool: nn.AdaptiveAvgPool2d | null = null;
  readonly sr: nn.Conv2d | null = null;
  readonly norm: nn.LayerNorm | null = null;
  readonly act: nn.GELU | null = null;
  readonly headDim: number;

  constructor(readonly channels: number, readonly numHeads: number, { srRatio, linear = false }: SpatialReductionOptions) {
    super();
    this.headDim = headWidth("SpatialReductionAttention", channels, numHeads);
    this.q = this.registerModule("q", new nn.Linear(channels, channels));
    this.kv = this.registerModule("kv", new nn.Linear(channels, 2 * channels));
    this.proj = this.registerModule("proj", new nn.Linear(channels, channels));
    if (linear) {
      this.pool = this.registerModule("pool", new nn.AdaptiveAvgPool2d(LINEAR_POOL_SIZE));
      this.sr = this.registerModule("sr", new nn.Conv2d(channels, channels, 1));
      this.norm = this.registerModule("norm", new nn.LayerNorm(channels));
      this.act = this.registerModule("act", new nn.GELU());
    } else if (srRatio > 1) {
      this.sr = this.registerModule("sr", new nn.Conv2d(channels, channels, srRatio, { stride: srRatio }));
      this.norm = this.registerModule("norm", new nn.LayerNorm(channels));
    }
  }

  /** The tokens keys and values are computed from: the input, or its reduced grid. */
  #reduced(x: Tensor, size: number[]): Tensor {
    if (!this.sr || !this.norm) return x;
    const grid = toFeatureMap(x, size);
    const reduced = this.norm.call(toTokens(this.sr.call(this.pool ? this.pool.call(grid) : grid)));
    return this.act ? this.act.call(reduced) : reduced;
  }

  forward(x: Tensor, size: number[]): Tensor {
    const kv = this.kv.call(this.#reduced(x, size));
    // Keys are the first C outputs of "kv", values the next C.
    const [q, k, v] = [this.q.call(x), kv.slice(2, 0, this.channels), kv.slice(2, this.channels)].map((t) => splitHeads(t, this.numHeads));
    return this.proj.call(mergeHeads(chunkedAttention(q, k, v, this.headDim ** -0.5)));
  }
}
