// Mix Transformer (MiT, Xie et al. 2021, "SegFormer: Simple and Efficient Design for Semantic
// Segmentation with Transformers"): four stages, each an overlapping patch embedding, pre-norm blocks
// of efficient self-attention and Mix-FFN with stochastic depth, and a LayerNorm; outputs at strides
// 4, 8, 16, 32. Keys as Hugging Face's SegformerModel ("encoder.patch_embeddings.i",
// "encoder.block.i.j", "encoder.layer_norm.i"); initialisation and LayerNorm epsilons as the authors'
// mix_transformer.py (1e-6 in the blocks and after each stage, PyTorch's 1e-5 elsewhere).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DropPath } from "../../blocks/drop-path.js";
import { checkReducible, dropPathSchedule, initPyramidTransformer } from "../../blocks/pyramid-transformer.js";
import { toFeatureMap } from "../../blocks/tokens.js";
import { EfficientAttention } from "./efficient-attention.js";
import { MixFFN } from "./mix-ffn.js";
import { OverlapPatchEmbed } from "./overlap-patch-embed.js";

export interface MiTOptions {
  /** Channels of the four stages ([32, 64, 160, 256] for B0, [64, 128, 320, 512] for B1–B5). */
  embedDims: number[];
  /** Transformer blocks per stage. */
  depths: number[];
  /** Attention heads per stage ([1, 2, 5, 8]). */
  numHeads?: number[];
  /** Sequence reduction ratio per stage ([8, 4, 2, 1]). */
  srRatios?: number[];
  /** Mix-FFN hidden width over the block width (4). */
  mlpRatio?: number;
  /** Stochastic depth of the last block; it rises linearly from 0 over all blocks (0.1). */
  dropPathRate?: number;
  inChannels?: number;
}

const PATCH_SIZES = [7, 3, 3, 3];
const PATCH_STRIDES = [4, 2, 2, 2];
const BLOCK_EPS = 1e-6;
const DEFAULT_SR_RATIOS = [8, 4, 2, 1];

class MiTLayer extends nn.Module {
  readonly layer_norm_1: nn.LayerNorm;
  readonly attention: EfficientAttention;
  readonly layer_norm_2: nn.LayerNorm;
  readonly mlp: MixFFN;
  readonly dropPath: DropPath;

  constructor(channels: number, numHeads: number, srRatio: number, mlpRatio: number, dropPath: number) {
    super();
    this.layer_norm_1 = this.registerModule("layer_norm_1", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.attention = this.registerModule("attention", new EfficientAttention(channels, numHeads, srRatio));
    this.dropPath = this.registerModule("drop_path", new DropPath(dropPath));
    this.layer_norm_2 = this.registerModule("layer_norm_2", new nn.LayerNorm(channels, { eps: BLOCK_EPS }));
    this.mlp = this.registerModule("mlp", new MixFFN(channels, Math.floor(channels * mlpRatio)));
  }

  forward(x: Tensor, size: number[]): Tensor {
    const attended = x.add(this.dropPath.call(this.attention.call(this.layer_norm_1.call(x), size)));
    return attended.add(this.dropPath.call(this.mlp.call(this.layer_norm_2.call(attended), size)));
  }
}

class MiTEncoder extends nn.Module {
  readonly patch_embeddings: nn.ModuleList<OverlapPatchEmbed>;
  readonly block: nn.ModuleList<nn.ModuleList<MiTLayer>>;
  readonly layer_norm: nn.ModuleList<nn.LayerNorm>;

  constructor({ embedDims, depths, numHeads = [1, 2, 5, 8], srRatios = DEFAULT_SR_RATIOS, mlpRatio = 4, dropPathRate = 0.1, inChannels = 3 }: MiTOptions) {
    super();
    for (const [key, value] of [["embedDims", embedDims], ["depths", depths], ["numHeads", numHeads], ["srRatios", srRatios]] as const) {
      if (value.length !== 4) throw new RangeError(`MixVisionTransformer: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
      checkWidth("MixVisionTransformer", key, [...value]);
    }
    if (!(mlpRatio > 0)) throw new RangeError(`MixVisionTransformer: mlpRatio must be > 0, got ${mlpRatio}`);
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`MixVisionTransformer: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.patch_embeddings = this.registerModule("patch_embeddings", new nn.ModuleList(embedDims.map((dim, i) =>
      new OverlapPatchEmbed(i === 0 ? inChannels : embedDims[i - 1], dim, PATCH_SIZES[i], PATCH_STRIDES[i]))));
    this.block = this.registerModule("block", new nn.ModuleList(embedDims.map((dim, i) =>
      new nn.ModuleList(rates[i].map((rate) => new MiTLayer(dim, numHeads[i], srRatios[i], mlpRatio, rate))))));
    this.layer_norm = this.registerModule("layer_norm", new nn.ModuleList(embedDims.map((dim) => new nn.LayerNorm(dim, { eps: BLOCK_EPS }))));
  }

  forward(x: Tensor): Tensor[] {
    const outputs: Tensor[] = [];
    let input = x;
    for (let stage = 0; stage < 4; stage++) {
      const { tokens, size } = this.patch_embeddings.at(stage).call(input);
      let h = tokens;
      for (const layer of this.block.at(stage)) h = layer.call(h, size);
      input = toFeatureMap(this.layer_norm.at(stage).call(h), size).contiguous();
      outputs.push(input);
    }
    return outputs;
  }
}

export class MixVisionTransformer extends Backbone {
  readonly encoder: MiTEncoder;
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];
  readonly srRatios: number[];

  constructor(options: MiTOptions) {
    super();
    this.encoder = this.registerModule("encoder", new MiTEncoder(options));
    this.outChannels = [...options.embedDims];
    this.srRatios = [...(options.srRatios ?? DEFAULT_SR_RATIOS)];
    initPyramidTransformer(this);
  }

  forward(x: Tensor): Tensor[] {
    checkReducible("MixVisionTransformer", x, this.srRatios, this.strides);
    return this.encoder.call(x);
  }
}
