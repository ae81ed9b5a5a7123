// Vision Transformer (Dosovitskiy et al. 2021; DeiT, Touvron et al. 2021) as a segmentation backbone,
// with timm's key names (patch_embed.proj, cls_token, pos_embed, blocks.N.*, norm) so its checkpoints
// load as they are. Outputs are the token maps of chosen blocks (outIndices) as (B, D, H/p, W/p),
// mmsegmentation's VisionTransformer semantics: the position embedding is resized to the input's token
// grid, the final norm applies to the last block's output only, and withClsToken false drops the class
// token before the blocks (SETR-MLA). With `hybrid`, the patches come from a ResNetV2 (the R50+ViT
// hybrid, timm's vision_transformer_hybrid.py), whose stride is then the patch size.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { TransformerBlock, dropPathSchedule } from "./block.js";
import { HybridEmbed } from "./hybrid-embed.js";
import { PatchEmbed } from "./patch-embed.js";
import type { ResNetV2Options } from "../resnetv2/resnetv2.js";
import { POS_EMBED_INTERPOLATIONS, resizePosEmbed, type PosEmbedInterpolation } from "./position-embedding.js";

export interface ViTOptions {
  embedDim: number;
  depth: number;
  numHeads: number;
  patchSize?: number;
  /** Pretraining image side: the position embedding holds (imgSize / patchSize)² grid entries. */
  imgSize?: number;
  inChannels?: number;
  mlpRatio?: number;
  /** Blocks whose outputs are returned (default the last). */
  outIndices?: number[];
  /** LayerNorm ("norm") on the last block's output (default true; false: no "norm" parameters). */
  finalNorm?: boolean;
  /** The class token takes part in the blocks (default true). */
  withClsToken?: boolean;
  posEmbedInterpolation?: PosEmbedInterpolation;
  /** Zero-pad inputs to multiples of the patch (default true); otherwise such inputs are refused. */
  padToPatch?: boolean;
  /** Dropout after the position embedding, the attention projection and the MLP. */
  dropRate?: number;
  attnDropRate?: number;
  /** Stochastic depth: rises linearly to this over the blocks. */
  dropPathRate?: number;
  /** Attention weights alive at a time (longer sequences are attended in query slices). */
  chunkElements?: number;
  /** The R50+ViT hybrid: patches from this ResNetV2 (timm's keys, SAME padding), patchSize its stride. */
  hybrid?: Omit<ResNetV2Options, "inChannels" | "layout">;
}

export const VIT_OPTIONS = [
  "embedDim", "depth", "numHeads", "patchSize", "imgSize", "inChannels", "mlpRatio", "outIndices", "finalNorm", "withClsToken",
  "posEmbedInterpolation", "padToPatch", "dropRate", "attnDropRate", "dropPathRate", "chunkElements", "hybrid",
];

export class VisionTransformer extends Backbone {
  readonly outChannels: number[];
  readonly strides: number[];
  readonly patch_embed: PatchEmbed | HybridEmbed;
  declare readonly cls_token: Tensor;
  declare readonly pos_embed: Tensor;
  readonly blocks: nn.ModuleList<TransformerBlock>;
  readonly norm: nn.LayerNorm | null;
  readonly outIndices: number[];
  readonly #grid: number[];
  readonly #withClsToken: boolean;
  readonly #interpolation: PosEmbedInterpolation;
  readonly #posDrop: nn.Dropout;

  constructor({
    embedDim, depth, numHeads, patchSize = 16, imgSize = 224, inChannels = 3, mlpRatio = 4, outIndices = [depth - 1], finalNorm = true,
    withClsToken = true, posEmbedInterpolation = "bicubic", padToPatch = true, dropRate = 0, attnDropRate = 0, dropPathRate = 0, chunkElements, hybrid,
  }: ViTOptions) {
    super();
    const embed = hybrid ? new HybridEmbed(hybrid, inChannels, embedDim) : null;
    if (embed) patchSize = embed.patchSize;
    checkWidth("VisionTransformer", "embedDim", embedDim);
    checkWidth("VisionTransformer", "depth", depth);
    checkWidth("VisionTransformer", "patchSize", patchSize);
    if (!(Number.isInteger(imgSize) && imgSize >= patchSize && imgSize % patchSize === 0)) {
      throw new RangeError(`VisionTransformer: imgSize must be a multiple of patchSize (${patchSize}), got ${imgSize}`);
    }
    if (!Array.isArray(outIndices) || outIndices.length === 0 || !outIndices.every((i, k) => Number.isInteger(i) && i >= 0 && i < depth && (k === 0 || i > outIndices[k - 1]))) {
      throw new RangeError(`VisionTransformer: outIndices must be increasing block indices in 0..${depth - 1}, got ${JSON.stringify(outIndices)}`);
    }
    if (!POS_EMBED_INTERPOLATIONS.includes(posEmbedInterpolation)) {
      throw new RangeError(`VisionTransformer: posEmbedInterpolation must be one of ${POS_EMBED_INTERPOLATIONS.join(", ")}, got ${JSON.stringify(posEmbedInterpolation)}`);
    }
    this.outIndices = outIndices;
    this.outChannels = outIndices.map(() => embedDim);
    this.strides = outIndices.map(() => patchSize);
    this.#grid = [imgSize / patchSize, imgSize / patchSize];
    this.#withClsToken = withClsToken;
    this.#interpolation = posEmbedInterpolation;
    this.patch_embed = this.registerModule("patch_embed", embed ?? new PatchEmbed(patchSize, inChannels, embedDim, padToPatch));
    // timm's initialisation: class token N(0, 1e-6), position embedding truncated N(0, 0.02).
    this.registerParameter("cls_token", nn.init.normal(torch.empty([1, 1, embedDim]), 0, 1e-6));
    this.registerParameter("pos_embed", nn.init.truncNormal(torch.empty([1, 1 + this.#grid[0] * this.#grid[1], embedDim]), { std: 0.02 }));
    this.#posDrop = this.registerModule("pos_drop", new nn.Dropout(dropRate));
    const rates = dropPathSchedule(dropPathRate, depth);
    this.blocks = this.registerModule("blocks", new nn.ModuleList(rates.map((dropPath) =>
      new TransformerBlock(embedDim, numHeads, { mlpRatio, drop: dropRate, attnDrop: attnDropRate, dropPath, chunkElements }))));
    // Without final norm there is no "norm" (as in mmsegmentation: SETR's counts hold none); the class
    // token is kept for timm's checkpoints but frozen when unused, as it would get no gradient.
    this.norm = finalNorm && outIndices.includes(depth - 1) ? this.registerModule("norm", new nn.LayerNorm(embedDim, { eps: 1e-6 })) : null;
    if (!withClsToken) this.cls_token.requiresGrad = false;
    for (const block of this.blocks) {
      for (const linear of [block.attn.qkv, block.attn.proj, block.mlp.fc1, block.mlp.fc2]) {
        nn.init.truncNormal(linear.weight, { std: 0.02 });
        nn.init.constant(linear.bias!, 0);
      }
    }
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`VisionTransformer: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const patches = this.patch_embed.call(x);
    const grid = patches.shape.slice(2);
    const batch = x.shape[0];
    const tokens = torch.cat([this.cls_token.expand([batch, -1, -1]), toTokens(patches)], 1)
      .add(resizePosEmbed(this.pos_embed, this.#grid, grid, 1, this.#interpolation));
    let h = this.#posDrop.call(tokens);
    if (!this.#withClsToken) h = h.slice(1, 1);
    const prefix = this.#withClsToken ? 1 : 0;
    const last = this.blocks.length - 1;
    const outputs: Tensor[] = [];
    [...this.blocks].forEach((block, i) => {
      h = block.call(h);
      if (i === last && this.norm) h = this.norm.call(h);
      if (this.outIndices.includes(i)) outputs.push(toFeatureMap(h.slice(1, prefix), grid).contiguous());
    });
    return outputs;
  }
}
