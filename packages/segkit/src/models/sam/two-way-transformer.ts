// SAM's two-way transformer: prompt tokens and image tokens update each other. Each block runs
// self-attention of the tokens, tokens → image cross attention, an MLP on the tokens, and image →
// tokens cross attention; positional encodings are re-added to queries and keys at every attention.
// A last tokens → image attention and LayerNorm close it. Keys as the authors' TwoWayTransformer.
// What does not depend on the prompt (the image tokens, their encoding, the first block's image-side
// projections: a quarter of the decoder's multiply-adds) is prepareImage's, which a predictor keeps.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DecoderAttention } from "./decoder-attention.js";
import { MLPBlock } from "./mlp-block.js";

/** The first block's image-side projections, split by head: (B, heads, h·w, d) each. */
export interface ImageProjections {
  /** Keys and values of its tokens → image attention. */
  keys: Tensor;
  values: Tensor;
  /** Queries of its image → tokens attention. */
  queries: Tensor;
}

/** The transformer's prompt-independent input for one image (batch B, or 1 for every prompt). */
export interface DecoderImage {
  /** Image tokens (B, h·w, C). */
  keys: Tensor;
  /** Their position encoding (1, h·w, C). */
  keyPe: Tensor;
  first: ImageProjections;
  /** The image's [h, w]. */
  grid: number[];
}

/** The tensors of a DecoderImage, to keep or free them. */
export function decoderImageTensors({ keys, keyPe, first }: DecoderImage): Tensor[] {
  return [keys, keyPe, first.keys, first.values, first.queries];
}

export class TwoWayAttentionBlock extends nn.Module {
  readonly self_attn: DecoderAttention;
  readonly norm1: nn.LayerNorm;
  readonly cross_attn_token_to_image: DecoderAttention;
  readonly norm2: nn.LayerNorm;
  readonly mlp: MLPBlock;
  readonly norm3: nn.LayerNorm;
  readonly norm4: nn.LayerNorm;
  readonly cross_attn_image_to_token: DecoderAttention;

  /** skipFirstPe: the first block's self-attention sees the tokens without their encoding (and no residual). */
  constructor(dim: number, numHeads: number, mlpDim: number, downsampleRate: number, readonly skipFirstPe: boolean) {
    super();
    this.self_attn = this.registerModule("self_attn", new DecoderAttention(dim, numHeads));
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(dim));
    this.cross_attn_token_to_image = this.registerModule("cross_attn_token_to_image", new DecoderAttention(dim, numHeads, downsampleRate));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(dim));
    this.mlp = this.registerModule("mlp", new MLPBlock(dim, mlpDim, new nn.ReLU()));
    this.norm3 = this.registerModule("norm3", new nn.LayerNorm(dim));
    this.norm4 = this.registerModule("norm4", new nn.LayerNorm(dim));
    this.cross_attn_image_to_token = this.registerModule("cross_attn_image_to_token", new DecoderAttention(dim, numHeads, downsampleRate));
  }

  /** The image-side projections of this block's attentions for image tokens `keys` with encoding `keyPe` (B, h·w, C). */
  projectImage(keys: Tensor, keyPe: Tensor): ImageProjections {
    const k = keys.add(keyPe);
    const [toImage, toTokens] = [this.cross_attn_token_to_image, this.cross_attn_image_to_token];
    return {
      keys: toImage.projectHeads(toImage.k_proj, k).contiguous(),
      values: toImage.projectHeads(toImage.v_proj, keys).contiguous(),
      queries: toTokens.projectHeads(toTokens.q_proj, k).contiguous(),
    };
  }

  /** `projected`: projectImage(keys, keyPe), when the caller has it. */
  forward(queries: Tensor, keys: Tensor, queryPe: Tensor, keyPe: Tensor, projected?: ImageProjections): [Tensor, Tensor] {
    let tokens: Tensor;
    if (this.skipFirstPe) {
      tokens = this.self_attn.call(queries, queries, queries);
    } else {
      const q = queries.add(queryPe);
      tokens = queries.add(this.self_attn.call(q, q, queries));
    }
    tokens = this.norm1.call(tokens);
    const toImage = this.cross_attn_token_to_image;
    const k = projected ? null : keys.add(keyPe);
    const attended = projected ? toImage.attendProjected(tokens.add(queryPe), projected.keys, projected.values) : toImage.attendToMany(tokens.add(queryPe), k!, keys);
    tokens = this.norm2.call(tokens.add(attended));
    tokens = this.norm3.call(tokens.add(this.mlp.call(tokens)));
    const toTokens = this.cross_attn_image_to_token;
    const withPe = tokens.add(queryPe);
    const update = projected ? toTokens.attendFromManyProjected(projected.queries, withPe, tokens) : toTokens.attendFromMany(k!, withPe, tokens);
    return [tokens, this.norm4.call(keys.add(update))];
  }
}

export class TwoWayTransformer extends nn.Module {
  readonly layers: nn.ModuleList<TwoWayAttentionBlock>;
  readonly final_attn_token_to_image: DecoderAttention;
  readonly norm_final_attn: nn.LayerNorm;

  constructor(depth: number, dim: number, numHeads: number, mlpDim: number, downsampleRate = 2) {
    super();
    this.layers = this.registerModule("layers", new nn.ModuleList(Array.from({ length: depth }, (_, i) =>
      new TwoWayAttentionBlock(dim, numHeads, mlpDim, downsampleRate, i === 0))));
    this.final_attn_token_to_image = this.registerModule("final_attn_token_to_image", new DecoderAttention(dim, numHeads, downsampleRate));
    this.norm_final_attn = this.registerModule("norm_final_attn", new nn.LayerNorm(dim));
  }

  /** image (B, C, h, w) and its imagePe (1, C, h, w) → the prompt-independent part of forward. */
  prepareImage(image: Tensor, imagePe: Tensor): DecoderImage {
    const keys = image.flatten(2).permute([0, 2, 1]).contiguous();
    const keyPe = imagePe.flatten(2).permute([0, 2, 1]).contiguous();
    return { keys, keyPe, first: this.layers.at(0).projectImage(keys, keyPe), grid: image.shape.slice(2) };
  }

  /** A prepared image and tokens (B, N, C) → updated tokens (B, N, C) and image tokens (B, h·w, C). */
  forward(image: DecoderImage, tokens: Tensor): [Tensor, Tensor] {
    const keyPe = image.keyPe;
    let keys = image.keys;
    let queries = tokens;
    for (const [i, layer] of [...this.layers].entries()) [queries, keys] = layer.call(queries, keys, tokens, keyPe, i === 0 ? image.first : undefined);
    const attended = this.final_attn_token_to_image.attendToMany(queries.add(tokens), keys.add(keyPe), keys);
    return [this.norm_final_attn.call(queries.add(attended)), keys];
  }
}
