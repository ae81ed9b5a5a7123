// TransUNet's encoder as the authors' networks/vit_seg_modeling.py holds it, keys included:
// transformer.embeddings (hybrid_model: the ResNetV2 in TransUNet's layout; patch_embeddings: a 1×1
// conv on its stride-16 map; position_embeddings: one per grid cell, no class token) and
// transformer.encoder (layer.N: pre-norm blocks with separate query/key/value/out projections and
// attention_norm/ffn_norm/ffn; encoder_norm). timm's hybrid is the same network with a packed qkv and
// a class token, so its keys are not a renaming of these.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ResNetV2, type ResNetV2Options } from "../../backbones/resnetv2/resnetv2.js";
import { Mlp } from "../../backbones/vit/mlp.js";
import { resizePosEmbed } from "../../backbones/vit/position-embedding.js";
import { chunkedAttention, headWidth, mergeHeads, splitHeads } from "../../blocks/chunked-attention.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";

class Attention extends nn.Module {
  readonly query: nn.Linear;
  readonly key: nn.Linear;
  readonly value: nn.Linear;
  readonly out: nn.Linear;
  readonly #scale: number;

  constructor(dim: number, readonly numHeads: number) {
    super();
    this.#scale = headWidth("TransUNet attention", dim, numHeads) ** -0.5;
    this.query = this.registerModule("query", new nn.Linear(dim, dim));
    this.key = this.registerModule("key", new nn.Linear(dim, dim));
    this.value = this.registerModule("value", new nn.Linear(dim, dim));
    this.out = this.registerModule("out", new nn.Linear(dim, dim));
  }

  /** x (B, N, dim) → (B, N, dim); the authors' attention dropout is 0, so none is held. */
  forward(x: Tensor): Tensor {
    const [q, k, v] = [this.query, this.key, this.value].map((linear) => splitHeads(linear.call(x), this.numHeads));
    return this.out.call(mergeHeads(chunkedAttention(q, k, v, this.#scale)));
  }
}

class Block extends nn.Module {
  readonly attention_norm: nn.LayerNorm;
  readonly ffn_norm: nn.LayerNorm;
  readonly ffn: Mlp;
  readonly attn: Attention;

  constructor(dim: number, numHeads: number, mlpDim: number, dropRate: number) {
    super();
    this.attention_norm = this.registerModule("attention_norm", new nn.LayerNorm(dim, { eps: 1e-6 }));
    this.ffn_norm = this.registerModule("ffn_norm", new nn.LayerNorm(dim, { eps: 1e-6 }));
    this.ffn = this.registerModule("ffn", new Mlp(dim, mlpDim, dropRate));
    this.attn = this.registerModule("attn", new Attention(dim, numHeads));
  }

  forward(x: Tensor): Tensor {
    const y = x.add(this.attn.call(this.attention_norm.call(x)));
    return y.add(this.ffn.call(this.ffn_norm.call(y)));
  }
}

class Encoder extends nn.Module {
  readonly layer: nn.ModuleList<Block>;
  readonly encoder_norm: nn.LayerNorm;

  constructor(dim: number, depth: number, numHeads: number, mlpDim: number, dropRate: number) {
    super();
    this.layer = this.registerModule("layer", new nn.ModuleList(Array.from({ length: depth }, () => new Block(dim, numHeads, mlpDim, dropRate))));
    this.encoder_norm = this.registerModule("encoder_norm", new nn.LayerNorm(dim, { eps: 1e-6 }));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const block of this.layer) h = block.call(h);
    return this.encoder_norm.call(h);
  }
}

class Embeddings extends nn.Module {
  readonly hybrid_model: ResNetV2;
  readonly patch_embeddings: nn.Conv2d;
  declare readonly position_embeddings: Tensor;
  readonly #grid: number[];
  readonly #dropout: nn.Dropout;

  constructor(resnet: ResNetV2Options, dim: number, grid: number, dropRate: number) {
    super();
    this.hybrid_model = this.registerModule("hybrid_model", new ResNetV2({ ...resnet, layout: "transunet" }));
    this.patch_embeddings = this.registerModule("patch_embeddings", new nn.Conv2d(this.hybrid_model.outChannels.at(-1)!, dim, 1));
    this.#grid = [grid, grid];
    // The authors start from zeros and load pretrained ones; truncated N(0, 0.02) (timm's) trains from scratch.
    this.registerParameter("position_embeddings", nn.init.truncNormal(torch.empty([1, grid * grid, dim]), { std: 0.02 }));
    this.#dropout = this.registerModule("dropout", new nn.Dropout(dropRate));
  }

  /** Tokens (B, h·w, dim) on the grid [h, w], and the ResNet's maps (stem, stages). */
  forward(x: Tensor): { tokens: Tensor; grid: number[]; features: Tensor[] } {
    const features = this.hybrid_model.call(x);
    const patches = this.patch_embeddings.call(features.at(-1)!);
    const grid = patches.shape.slice(2);
    // Another grid than the pretraining one resizes the position embedding (the authors' forward takes only that one).
    const tokens = toTokens(patches).add(resizePosEmbed(this.position_embeddings, this.#grid, grid, 0, "bilinear"));
    return { tokens: this.#dropout.call(tokens), grid, features };
  }
}

export interface TransUNetEncoderOptions {
  resnet: ResNetV2Options;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpDim: number;
  /** Side of the pretraining grid (image side / 16). */
  grid: number;
  dropRate: number;
}

export class TransUNetEncoder extends nn.Module {
  readonly embeddings: Embeddings;
  readonly encoder: Encoder;

  constructor({ resnet, embedDim, depth, numHeads, mlpDim, grid, dropRate }: TransUNetEncoderOptions) {
    super();
    this.embeddings = this.registerModule("embeddings", new Embeddings(resnet, embedDim, grid, dropRate));
    this.encoder = this.registerModule("encoder", new Encoder(embedDim, depth, numHeads, mlpDim, dropRate));
  }

  /** The encoded tokens as a map (B, dim, H/16, W/16), and the ResNet's maps (stem, stages). */
  forward(x: Tensor): { encoded: Tensor; features: Tensor[] } {
    const { tokens, grid, features } = this.embeddings.call(x);
    return { encoded: toFeatureMap(this.encoder.call(tokens), grid), features };
  }

  /** Channels of the ResNet's maps (stem, stages). */
  get featureChannels(): number[] {
    return this.embeddings.hybrid_model.outChannels;
  }
}
