// PVT v2 (Wang et al. 2022, "PVT v2: Improved Baselines with Pyramid Vision Transformer"): an
// overlapping patch embedding (7/4, then 3/2 between stages), pre-norm blocks of spatial-reduction
// attention and a depthwise-conv MLP with stochastic depth, a LayerNorm per stage; outputs at strides
// 4, 8, 16, 32. The linear variant (B2-Li) pools keys and values to 7×7 and adds a ReLU to the MLP.
// Keys as timm's pvt_v2 ("patch_embed", "stages.i.downsample", "stages.i.blocks.j", "stages.i.norm";
// a timm checkpoint's ImageNet classifier "head.*" is not part of the backbone); LayerNorm epsilons as
// timm's (1e-6 in the blocks and after each stage, PyTorch's 1e-5 in the embeddings and attention).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DropPath } from "../../blocks/drop-path.js";
import { checkReducible, dropPathSchedule, initPyramidTransformer } from "../../blocks/pyramid-transformer.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { SpatialReductionAttention } from "./spatial-reduction-attention.js";

export interface PVTv2Options {
  embedDims: number[];
  depths: number[];
  /** Attention heads per stage ([1, 2, 5, 8]). */
  numHeads?: number[];
  /** Sequence reduction ratio per stage ([8, 4, 2, 1]; unused by linear SRA). */
  srRatios?: number[];
  /** MLP hidden width over the block width, per stage ([8, 8, 4, 4]; B5 [4, 4, 4, 4]). */
  mlpRatios?: number[];
  /** Linear spatial-reduction attention (B2-Li). */
  linear?: boolean;
  /** Stochastic depth of the last block, rising linearly from 0 (0.1). */
  dropPathRate?: number;
  inChannels?: number;
}

const BLOCK_EPS = 1e-6;

/** A strided conv whose kernel overlaps its neighbours', then LayerNorm over the channels ("proj", "norm"). */
class OverlapPatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;
  readonly norm: nn.LayerNorm;

  constructor(inChannels: number, channels: number, patchSize: number, stride: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, channels, patchSize, { stride, padding: Math.floor(patchSize / 2) }));
    this.norm = this.registerModule("norm", new nn.LayerNorm(channels));
  }

  /** The normalised token grid as a feature map (B, C, h, w). */
  forward(x: Tensor): Tensor {
    const map = this.proj.call(x);
    return toFeatureMap(this.norm.call(toTokens(map)), map.shape.slice(2));
  }
}

/** fc1 → (ReLU, linear variant) → 3×3 depthwise conv on the grid → GELU → fc2. */
class MlpWithDepthwiseConv extends nn.Module {
  readonly fc1: nn.Linear;
  readonly relu: nn.ReLU | null;
  readonly dwconv: nn.Conv2d;
  readonly act: nn.GELU;
  readonly fc2: nn.Linear;

  constructor(channels: number, hiddenChannels: number, extraRelu: boolean) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Linear(channels, hiddenChannels));
    this.relu = extraRelu ? this.registerModule("relu", new nn.ReLU()) : null;
    this.dwconv = this.registerModule("dwconv", new nn.Conv2d(hiddenChannels, hiddenChannels, 3, { padding: 1, groups: hiddenChannels }));
    this.act = this.registerModule("act", new nn.GELU());
    this.fc2 = this.registerModule("fc2", new nn.Linear(hiddenChannels, channels));
  }

  forward(x: Tensor, size: number[]): Tensor {
    const hidden = this.fc1.call(x);
    const mixed = toTokens(this.dwconv.call(toFeatureMap(this.relu ? this.relu.call(hidden) : hidden, size)));
    return this.fc2.call(this.act.call(mixed));
  }
}

class PVTv2Block extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: SpatialReductionAttention;
  readonly drop_path1: DropPath;
  readonly norm2: nn.LayerNorm;
  readonly mlp: MlpWithDepthwiseConv;
  readonly drop_path2: DropPath;

  constructor(channels: number, numHeads: number, srRatio: number, mlpRatio: number, linear: boolean, dropPath: number) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.attn = this.registerModule("attn", new SpatialReductionAttention(channels, numHeads, { srRatio, linear }));
    this.drop_path1 = this.registerModule("drop_path1", new DropPath(dropPath));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.mlp = this.registerModule("mlp", new MlpWithDepthwiseConv(channels, Math.floor(channels * mlpRatio), linear));
    this.drop_path2 = this.registerModule("drop_path2", new DropPath(dropPath));
  }

  forward(x: Tensor, size: number[]): Tensor {
    const attended = x.add(this.drop_path1.call(this.attn.call(this.norm1.call(x), size)));
    return attended.add(this.drop_path2.call(this.mlp.call(this.norm2.call(attended), size)));
  }
}

class PVTv2Stage extends nn.Module {
  readonly downsample: OverlapPatchEmbed | null;
  readonly blocks: nn.ModuleList<PVTv2Block>;
  readonly norm: nn.LayerNorm;

  constructor(downsample: OverlapPatchEmbed | null, blocks: PVTv2Block[], channels: number) {
    super();
    this.downsample = downsample ? this.registerModule("downsample", downsample) : null;
    this.blocks = this.registerModule("blocks", new nn.ModuleList(blocks));
    this.norm = this.registerModule("norm", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
  }

  forward(x: Tensor): Tensor {
    const map = this.downsample ? this.downsample.call(x) : x;
    const size = map.shape.slice(2);
    let h = toTokens(map);
    for (const block of this.blocks) h = block.call(h, size);
    return toFeatureMap(this.norm.call(h), size).contiguous();
  }
}

export class PyramidVisionTransformerV2 extends Backbone {
  readonly patch_embed: OverlapPatchEmbed;
  readonly stages: nn.ModuleList<PVTv2Stage>;
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];
  /** Per stage; all 1 for linear SRA, whose pooling takes any grid. */
  readonly srRatios: number[];

  constructor({ embedDims, depths, numHeads = [1, 2, 5, 8], srRatios = [8, 4, 2, 1], mlpRatios = [8, 8, 4, 4], linear = false, dropPathRate = 0.1, inChannels = 3 }: PVTv2Options) {
    super();
    for (const [key, value] of [["embedDims", embedDims], ["depths", depths], ["numHeads", numHeads], ["srRatios", srRatios], ["mlpRatios", mlpRatios]] as const) {
      if (value.length !== 4) throw new RangeError(`PyramidVisionTransformerV2: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
      if (key !== "mlpRatios") checkWidth("PyramidVisionTransformerV2", key, [...value]);
      else if (!value.every((r) => r > 0)) throw new RangeError(`PyramidVisionTransformerV2: mlpRatios must be > 0, got ${JSON.stringify(value)}`);
    }
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`PyramidVisionTransformerV2: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.patch_embed = this.registerModule("patch_embed", new OverlapPatchEmbed(inChannels, embedDims[0], 7, 4));
    this.stages = this.registerModule("stages", new nn.ModuleList(embedDims.map((dim, i) => new PVTv2Stage(
      i === 0 ? null : new OverlapPatchEmbed(embedDims[i - 1], dim, 3, 2),
      rates[i].map((rate) => new PVTv2Block(dim, numHeads[i], srRatios[i], mlpRatios[i], linear, rate)),
      dim,
    ))));
    this.outChannels = [...embedDims];
    this.srRatios = linear ? [1, 1, 1, 1] : [...srRatios];
    initPyramidTransformer(this);
  }

  forward(x: Tensor): Tensor[] {
    checkReducible("PyramidVisionTransformerV2", x, this.srRatios, this.strides);
    const outputs: Tensor[] = [];
    let h = this.patch_embed.call(x);
    for (const stage of this.stages) outputs.push((h = stage.call(h)));
    return outputs;
  }
}
