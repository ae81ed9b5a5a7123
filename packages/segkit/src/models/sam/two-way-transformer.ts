// SAM's two-way transformer: prompt tokens and image tokens update each other. Each block runs
// self-attention of the tokens, tokens → image cross attention, an MLP on the tokens, and image →
// tokens cross attention; positional encodings are re-added to queries and keys at every attention.
// A last tokens → image attention and LayerNorm close it. Keys as the authors' TwoWayTransformer.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DecoderAttention } from "./decoder-attention.js";
import { MLPBlock } from "./mlp-block.js";

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

  forward(queries: Tensor, keys: Tensor, queryPe: Tensor, keyPe: Tensor): [Tensor, Tensor] {
    let tokens: Tensor;
    if (this.skipFirstPe) {
      tokens = this.self_attn.call(queries, queries, queries);
    } else {
      const q = queries.add(queryPe);
      tokens = queries.add(this.self_attn.call(q, q, queries));
    }
    tokens = this.norm1.call(tokens);
    const k = keys.add(keyPe);
    tokens = this.norm2.call(tokens.add(this.cross_attn_token_to_image.call(tokens.add(queryPe), k, keys)));
    tokens = this.norm3.call(tokens.add(this.mlp.call(tokens)));
    const image = this.norm4.call(keys.add(this.cross_attn_image_to_token.call(k, tokens.add(queryPe), tokens)));
    return [tokens, image];
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

  /** image and imagePe (B, C, h, w), tokens (B, N, C) → updated tokens (B, N, C) and image tokens (B, h·w, C). */
  forward(image: Tensor, imagePe: Tensor, tokens: Tensor): [Tensor, Tensor] {
    const keyPe = imagePe.flatten(2).permute([0, 2, 1]);
    let keys = image.flatten(2).permute([0, 2, 1]);
    let queries = tokens;
    for (const layer of this.layers) [queries, keys] = layer.call(queries, keys, tokens, keyPe);
    const attended = this.final_attn_token_to_image.call(queries.add(tokens), keys.add(keyPe), keys);
    return [this.norm_final_attn.call(queries.add(attended)), keys];
  }
}
