// MaskFormer's TransformerPredictor: N learnt queries decoded by the DETR transformer against the
// (projected) coarsest backbone map with sine position embeddings; each decoder layer's query
// embeddings give class logits over numClasses + 1 (the last is "no object") and, through a 3-layer
// MLP, mask embeddings whose dot product with the per-pixel embeddings are the mask logits. Keys are
// the authors' (transformer.*, query_embed, input_proj, class_embed, mask_embed.layers.i).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { MLP } from "../../sam/mlp.js";
import { sinePositionEmbedding } from "./position-embedding-sine.js";
import { DetrTransformer, type DetrTransformerOptions } from "./transformer.js";

export interface PredictorOptions extends Omit<DetrTransformerOptions, "dModel"> {
  inChannels: number;
  numClasses: number;
  hiddenDim: number;
  numQueries: number;
  maskDim: number;
  /** A 1×1 input projection even when inChannels equals hiddenDim. */
  enforceInputProjection?: boolean;
}

/** Every decoder layer's predictions, the last layer's at index layers − 1. */
export interface MaskPredictions {
  /** (layers, N, Q, numClasses + 1). */
  logits: Tensor;
  /** (layers, N, Q, h, w) at the per-pixel embeddings' size. */
  masks: Tensor;
}

export class TransformerPredictor extends nn.Module {
  readonly transformer: DetrTransformer;
  readonly queryEmbed: nn.Embedding;
  readonly inputProj: nn.Conv2d | null;
  readonly classEmbed: nn.Linear;
  readonly maskEmbed: MLP;
  readonly hiddenDim: number;

  constructor({ inChannels, numClasses, hiddenDim, numQueries, maskDim, enforceInputProjection = false, ...transformer }: PredictorOptions) {
    super();
    if (hiddenDim % 2 !== 0) throw new RangeError(`TransformerPredictor: hiddenDim must be even (half the position embedding is rows, half columns), got ${hiddenDim}`);
    this.hiddenDim = hiddenDim;
    this.transformer = this.registerModule("transformer", new DetrTransformer({ dModel: hiddenDim, ...transformer }));
    this.queryEmbed = this.registerModule("query_embed", new nn.Embedding(numQueries, hiddenDim));
    this.inputProj = inChannels !== hiddenDim || enforceInputProjection ? this.registerModule("input_proj", new nn.Conv2d(inChannels, hiddenDim, 1)) : null;
    this.classEmbed = this.registerModule("class_embed", new nn.Linear(hiddenDim, numClasses + 1));
    this.maskEmbed = this.registerModule("mask_embed", new MLP(hiddenDim, hiddenDim, maskDim, 3));
  }

  /** x (N, C, H, W) the transformer's input map; maskFeatures (N, maskDim, h, w) the per-pixel embeddings. */
  forward(x: Tensor, maskFeatures: Tensor): MaskPredictions {
    const [n, , h, w] = x.shape;
    const pos = sinePositionEmbedding(this.hiddenDim / 2, h, w);
    const src = this.inputProj ? this.inputProj.call(x) : x;
    const hs = this.transformer.call(src, pos.expand([n, -1, -1, -1]), this.queryEmbed.weight);
    const logits = this.classEmbed.call(hs);
    const masks = torch.einsum("lbqc,bchw->lbqhw", [this.maskEmbed.call(hs), maskFeatures]);
    return { logits, masks };
  }
}
