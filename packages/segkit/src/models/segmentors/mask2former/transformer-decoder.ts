// Mask2Former's MultiScaleMaskedTransformerDecoder (keys transformer_{self,cross}_attention_layers.i,
// transformer_ffn_layers.i, decoder_norm, query_feat, query_embed, level_embed, input_proj.i,
// class_embed, mask_embed.layers.i). Learnt query features (with learnt query positions) are
// refined layer by layer: cross-attention to one pixel-decoder scale (round-robin over the three,
// coarsest first) restricted to the foreground of the previous prediction's masks (sigmoid ≥ 0.5 at
// that scale; a query whose mask is empty everywhere looks everywhere), then self-attention, then a
// feed-forward. A prediction (class logits over numClasses + 1, mask logits as the dot product of an
// MLP embedding with the per-pixel embeddings) is made from the initial queries and after every
// layer: layers + 1 predictions, the authors' DEC_LAYERS.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { MLP } from "../../sam/mlp.js";
import { sinePositionEmbedding } from "../maskformer/position-embedding-sine.js";
import type { MaskPredictions } from "../maskformer/predictor.js";
import { CrossAttentionLayer, FFNLayer, SelfAttentionLayer, xavierMatrices } from "./decoder-layers.js";
import { DECODER_LEVELS } from "./pixel-decoder.js";

export interface MaskedDecoderOptions {
  inChannels: number;
  numClasses: number;
  hiddenDim: number;
  numQueries: number;
  nHeads: number;
  dimFeedforward: number;
  /** Transformer layers (the authors' DEC_LAYERS − 1). */
  layers: number;
  maskDim: number;
  /** A 1×1 input projection even when inChannels equals hiddenDim. */
  enforceInputProjection?: boolean;
}

const sequence = (t: Tensor): Tensor => t.flatten(2).permute([2, 0, 1]);

export class MaskedTransformerDecoder extends nn.Module {
  readonly selfAttentionLayers: nn.ModuleList<SelfAttentionLayer>;
  readonly crossAttentionLayers: nn.ModuleList<CrossAttentionLayer>;
  readonly ffnLayers: nn.ModuleList<FFNLayer>;
  readonly decoderNorm: nn.LayerNorm;
  readonly queryFeat: nn.Embedding;
  readonly queryEmbed: nn.Embedding;
  readonly levelEmbed: nn.Embedding;
  /** Null entries where no projection is needed (the authors' empty Sequential, without keys). */
  readonly #inputProj: (nn.Conv2d | null)[];
  readonly classEmbed: nn.Linear;
  readonly maskEmbed: MLP;

  constructor(readonly o: MaskedDecoderOptions) {
    super();
    const { inChannels, numClasses, hiddenDim, numQueries, nHeads, dimFeedforward, layers, maskDim, enforceInputProjection = false } = o;
    if (hiddenDim % 2 !== 0) throw new RangeError(`MaskedTransformerDecoder: hiddenDim must be even (half the position embedding is rows, half columns), got ${hiddenDim}`);
    if (hiddenDim % nHeads !== 0) throw new RangeError(`MaskedTransformerDecoder: width (${hiddenDim}) must be a multiple of the number of heads (${nHeads})`);
    const each = <M extends nn.Module>(make: () => M): nn.ModuleList<M> => new nn.ModuleList(Array.from({ length: layers }, make));
    this.selfAttentionLayers = this.registerModule("transformer_self_attention_layers", each(() => new SelfAttentionLayer(hiddenDim, nHeads)));
    this.crossAttentionLayers = this.registerModule("transformer_cross_attention_layers", each(() => new CrossAttentionLayer(hiddenDim, nHeads)));
    this.ffnLayers = this.registerModule("transformer_ffn_layers", each(() => new FFNLayer(hiddenDim, dimFeedforward)));
    for (const list of [this.selfAttentionLayers, this.crossAttentionLayers, this.ffnLayers]) for (const layer of list) xavierMatrices(layer);
    this.decoderNorm = this.registerModule("decoder_norm", new nn.LayerNorm(hiddenDim));
    this.queryFeat = this.registerModule("query_feat", new nn.Embedding(numQueries, hiddenDim));
    this.queryEmbed = this.registerModule("query_embed", new nn.Embedding(numQueries, hiddenDim));
    this.levelEmbed = this.registerModule("level_embed", new nn.Embedding(DECODER_LEVELS, hiddenDim));
    const project = inChannels !== hiddenDim || enforceInputProjection;
    const projections = Array.from({ length: DECODER_LEVELS }, () => (project ? new nn.Conv2d(inChannels, hiddenDim, 1) : null));
    if (project) this.registerModule("input_proj", new nn.ModuleList(projections as nn.Conv2d[]));
    this.#inputProj = projections;
    this.classEmbed = this.registerModule("class_embed", new nn.Linear(hiddenDim, numClasses + 1));
    this.maskEmbed = this.registerModule("mask_embed", new MLP(hiddenDim, hiddenDim, maskDim, 3));
  }

  /** x: the pixel decoder's three scales (N, C, h, w), coarsest first; maskFeatures (N, maskDim, H, W). */
  forward(x: Tensor[], maskFeatures: Tensor): MaskPredictions {
    if (x.length !== DECODER_LEVELS) throw new RangeError(`MaskedTransformerDecoder: expected ${DECODER_LEVELS} scales, got ${x.length}`);
    const n = x[0].shape[0];
    const { hiddenDim, layers } = this.o;
    const sizes = x.map((t) => t.shape.slice(2));
    const pos = x.map((t) => sequence(sinePositionEmbedding(hiddenDim / 2, t.shape[2], t.shape[3]).expand([n, -1, -1, -1])));
    const src = x.map((t, l) => {
      const projected = this.#inputProj[l]?.call(t) ?? t;
      return sequence(projected.add(this.levelEmbed.weight.select(0, l).view([1, -1, 1, 1])));
    });
    const queryPos = this.queryEmbed.weight.unsqueeze(1).expand([-1, n, -1]);
    let output = this.queryFeat.weight.unsqueeze(1).expand([-1, n, -1]);
    const logits: Tensor[] = [];
    const masks: Tensor[] = [];
    let attnMask = this.#predict(output, maskFeatures, sizes[0], logits, masks);
    for (let i = 0; i < layers; i++) {
      const level = i % DECODER_LEVELS;
      // A query that would see nothing sees everything (else its softmax has no support).
      const blind = attnMask.all(-1, { keepdim: true });
      output = this.crossAttentionLayers.at(i).call(output, src[level], attnMask.logicalAnd(blind.logicalNot()), pos[level], queryPos);
      output = this.selfAttentionLayers.at(i).call(output, queryPos);
      output = this.ffnLayers.at(i).call(output);
      attnMask = this.#predict(output, maskFeatures, sizes[(i + 1) % DECODER_LEVELS], logits, masks);
    }
    return { logits: torch.stack(logits), masks: torch.stack(masks) };
  }

  // Class and mask logits of the queries (Q, N, E), appended to `logits`/`masks`; returns the next
  // layer's attention mask (N·heads, Q, h·w) at `size`, true outside the predicted foreground.
  #predict(output: Tensor, maskFeatures: Tensor, size: number[], logits: Tensor[], masks: Tensor[]): Tensor {
    const decoded = this.decoderNorm.call(output).transpose(0, 1);
    logits.push(this.classEmbed.call(decoded));
    const mask = torch.einsum("bqc,bchw->bqhw", [this.maskEmbed.call(decoded), maskFeatures]);
    masks.push(mask);
    return torch.noGrad(() => {
      const [n, q] = mask.shape;
      const heads = this.o.nHeads;
      const small = nn.functional.interpolate(mask, { size, mode: "bilinear", alignCorners: false }).sigmoid().flatten(2);
      return small.lt(0.5).unsqueeze(1).expand([n, heads, q, -1]).reshape([n * heads, q, -1]);
    });
  }
}
