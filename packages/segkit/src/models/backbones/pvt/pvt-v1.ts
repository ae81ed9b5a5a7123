// PVT v1 (Wang et al. 2021, "Pyramid Vision Transformer"), the authors' segmentation backbone: per
// stage a non-overlapping patch embedding (4×4, then 2×2), a learnt position embedding resized
// bilinearly to the token grid (stored for a 224×224 pretraining input; the last stage's first entry
// belongs to the classification token and is skipped), and pre-norm blocks of spatial-reduction
// attention and an MLP with stochastic depth; outputs at strides 4, 8, 16, 32, without a final norm.
// Patching floors the grid, as the authors' code does: rows and columns past a multiple of the
// stride are not seen. Keys as the authors' ("patch_embed1", "pos_embed1", "block1.0.attn.kv", ...).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DropPath } from "../../blocks/drop-path.js";
import { dropPathSchedule } from "../../blocks/pyramid-transformer.js";
import { resize } from "../../blocks/resize.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { SpatialReductionAttention } from "./spatial-reduction-attention.js";

export interface PVTv1Options {
  embedDims: number[];
  depths: number[];
  numHeads?: number[];
  srRatios?: number[];
  mlpRatios?: number[];
  dropPathRate?: number;
  /** The input size the position embeddings are stored for (224). */
  pretrainSize?: number;
  inChannels?: number;
}

const BLOCK_EPS = 1e-6;
const PATCH_SIZES = [4, 2, 2, 2];
// Literal key names per stage, as the authors register them.
const STAGE_KEYS = [
  ["patch_embed1", "pos_embed1", "block1"], ["patch_embed2", "pos_embed2", "block2"],
  ["patch_embed3", "pos_embed3", "block3"], ["patch_embed4", "pos_embed4", "block4"],
] as const;

class PatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;
  readonly norm: nn.LayerNorm;

  constructor(inChannels: number, channels: number, patchSize: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, channels, patchSize, { stride: patchSize }));
    this.norm = this.registerModule("norm", new nn.LayerNorm(channels));
  }

  forward(x: Tensor): { tokens: Tensor; size: number[] } {
    const map = this.proj.call(x);
    return { tokens: this.norm.call(toTokens(map)), size: map.shape.slice(2) };
  }
}

class Mlp extends nn.Module {
  readonly fc1: nn.Linear;
  readonly act: nn.GELU;
  readonly fc2: nn.Linear;

  constructor(channels: number, hiddenChannels: number) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Linear(channels, hiddenChannels));
    this.act = this.registerModule("act", new nn.GELU());
    this.fc2 = this.registerModule("fc2", new nn.Linear(hiddenChannels, channels));
  }

  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class PVTv1Block extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: SpatialReductionAttention;
  readonly drop_path: DropPath;
  readonly norm2: nn.LayerNorm;
  readonly mlp: Mlp;

  constructor(channels: number, numHeads: number, srRatio: number, mlpRatio: number, dropPath: number) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.attn = this.registerModule("attn", new SpatialReductionAttention(channels, numHeads, { srRatio }));
    this.drop_path = this.registerModule("drop_path", new DropPath(dropPath));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.mlp = this.registerModule("mlp", new Mlp(channels, Math.floor(channels * mlpRatio)));
  }

  forward(x: Tensor, size: number[]): Tensor {
    const attended = x.add(this.drop_path.call(this.attn.call(this.norm1.call(x), size)));
    return attended.add(this.drop_path.call(this.mlp.call(this.norm2.call(attended))));
  }
}

export class PyramidVisionTransformer extends Backbone {
  declare readonly pos_embed1: Tensor;
  declare readonly pos_embed2: Tensor;
  declare readonly pos_embed3: Tensor;
  declare readonly pos_embed4: Tensor;
  readonly #patchEmbeds: PatchEmbed[] = [];
  readonly #blocks: nn.ModuleList<PVTv1Block>[] = [];
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];
  readonly srRatios: number[];
  /** Side of each stage's stored position-embedding grid. */
  readonly #grids: number[];

  constructor({ embedDims, depths, numHeads = [1, 2, 5, 8], srRatios = [8, 4, 2, 1], mlpRatios = [8, 8, 4, 4], dropPathRate = 0.1, pretrainSize = 224, inChannels = 3 }: PVTv1Options) {
    super();
    for (const [key, value] of [["embedDims", embedDims], ["depths", depths], ["numHeads", numHeads], ["srRatios", srRatios], ["mlpRatios", mlpRatios]] as const) {
      if (value.length !== 4) throw new RangeError(`PyramidVisionTransformer: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
    }
    checkWidth("PyramidVisionTransformer", "embedDims", embedDims);
    checkWidth("PyramidVisionTransformer", "depths", depths);
    checkWidth("PyramidVisionTransformer", "pretrainSize", pretrainSize, { multipleOf: 32 });
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`PyramidVisionTransformer: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.#grids = this.strides.map((s) => pretrainSize / s);
    embedDims.forEach((dim, i) => {
      const [patchKey, posKey, blockKey] = STAGE_KEYS[i];
      this.#patchEmbeds.push(this.registerModule(patchKey, new PatchEmbed(i === 0 ? inChannels : embedDims[i - 1], dim, PATCH_SIZES[i])));
      // The last stage's table has one more entry, the classification token's.
      const entries = this.#grids[i] ** 2 + (i === 3 ? 1 : 0);
      this.registerParameter(posKey, torch.noGrad(() => nn.init.truncNormal(torch.empty([1, entries, dim]), { std: 0.02 })));
      this.#blocks.push(this.registerModule(blockKey, new nn.ModuleList(rates[i].map((rate) => new PVTv1Block(dim, numHeads[i], srRatios[i], mlpRatios[i], rate)))));
    });
    this.outChannels = [...embedDims];
    this.srRatios = [...srRatios];
    // The authors' initialisation of the Linear layers (convs keep PyTorch's).
    torch.noGrad(() => {
      for (const m of this.modules()) {
        if (!(m instanceof nn.Linear)) continue;
        nn.init.normal(m.weight, 0, 0.02); // timm's trunc_normal_ cut at ±2 is 100 deviations away
        if (m.bias) m.bias.zero_();
      }
    });
  }

  /** Stage `i`'s position embedding at the token grid `size`, (1, h·w, C). */
  #positions(i: number, size: number[]): Tensor {
    const table = [this.pos_embed1, this.pos_embed2, this.pos_embed3, this.pos_embed4][i];
    const stored = i === 3 ? table.slice(1, 1) : table;
    const grid = this.#grids[i];
    return toTokens(resize(toFeatureMap(stored, [grid, grid]), size));
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`PyramidVisionTransformer: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const [h, w] = x.shape.slice(2);
    // Stage i's grid is ⌊H / stride⌋ and must hold its sequence-reduction kernel.
    const minSize = Math.max(...this.srRatios.map((r, i) => r * this.strides[i]));
    if (h < minSize || w < minSize) {
      throw new RangeError(`PyramidVisionTransformer: input ${h}×${w} is too small; patching at strides [${this.strides}] with sequence reduction ratios [${this.srRatios}] needs height and width of at least ${minSize}`);
    }
    const outputs: Tensor[] = [];
    let input = x;
    for (let i = 0; i < 4; i++) {
      const { tokens, size } = this.#patchEmbeds[i].call(input);
      let t = tokens.add(this.#positions(i, size));
      for (const block of this.#blocks[i]) t = block.call(t, size);
      input = toFeatureMap(t, size).contiguous();
      outputs.push(input);
    }
    return outputs;
  }
}
