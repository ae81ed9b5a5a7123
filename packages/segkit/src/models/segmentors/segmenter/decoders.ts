// Segmenter's decoders (Strudel et al. 2021) with the authors' key names (github:rstrudel/segmenter,
// segm/model/decoder.py): both map the encoder's patch-token map (B, D, h, w) to class masks (B, K, h, w).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { TransformerBlock, dropPathSchedule } from "../../backbones/vit/block.js";

/** The linear decoder: one Linear per token ("head"). */
export class LinearDecoder extends nn.Module {
  readonly head: nn.Linear;

  constructor(dEncoder: number, numClasses: number) {
    super();
    this.head = this.registerModule("head", new nn.Linear(dEncoder, numClasses));
    nn.init.truncNormal(this.head.weight, { std: 0.02 });
    nn.init.constant(this.head.bias!, 0);
  }

  forward(x: Tensor): Tensor {
    return toFeatureMap(this.head.call(toTokens(x)), x.shape.slice(2));
  }
}

export interface MaskTransformerOptions {
  numClasses: number;
  dEncoder: number;
  /** Blocks (2 in the paper). */
  numLayers?: number;
  numHeads: number;
  dModel: number;
  /** MLP width (4 × dModel). */
  dFF?: number;
  dropPathRate?: number;
  dropout?: number;
  chunkElements?: number;
}

/**
 * The mask transformer: patch tokens projected to dModel and K learned class embeddings go through
 * transformer blocks together; masks are the cosine similarities of the projected patch and class
 * embeddings, normalised over the classes (mask_norm).
 */
export class MaskTransformer extends nn.Module {
  declare readonly cls_emb: Tensor;
  declare readonly proj_patch: Tensor;
  declare readonly proj_classes: Tensor;
  readonly proj_dec: nn.Linear;
  readonly blocks: nn.ModuleList<TransformerBlock>;
  readonly decoder_norm: nn.LayerNorm;
  readonly mask_norm: nn.LayerNorm;
  readonly numClasses: number;

  constructor({ numClasses, dEncoder, numLayers = 2, numHeads, dModel, dFF = 4 * dModel, dropPathRate = 0, dropout = 0.1, chunkElements }: MaskTransformerOptions) {
    super();
    checkWidth("MaskTransformer", "numLayers", numLayers);
    checkWidth("MaskTransformer", "dModel", dModel);
    this.numClasses = numClasses;
    const rates = dropPathSchedule(dropPathRate, numLayers);
    // The authors' blocks use PyTorch's LayerNorm epsilon (1e-5), unlike timm's ViT.
    this.blocks = this.registerModule("blocks", new nn.ModuleList(rates.map((dropPath) =>
      new TransformerBlock(dModel, numHeads, { mlpRatio: dFF / dModel, eps: 1e-5, drop: dropout, attnDrop: dropout, dropPath, chunkElements }))));
    this.registerParameter("cls_emb", nn.init.truncNormal(torch.empty([1, numClasses, dModel]), { std: 0.02 }));
    this.proj_dec = this.registerModule("proj_dec", new nn.Linear(dEncoder, dModel));
    const scale = dModel ** -0.5;
    this.registerParameter("proj_patch", nn.init.normal(torch.empty([dModel, dModel]), 0, scale));
    this.registerParameter("proj_classes", nn.init.normal(torch.empty([dModel, dModel]), 0, scale));
    this.decoder_norm = this.registerModule("decoder_norm", new nn.LayerNorm(dModel));
    this.mask_norm = this.registerModule("mask_norm", new nn.LayerNorm(numClasses));
  }

  forward(x: Tensor): Tensor {
    const batch = x.shape[0];
    const patches = this.proj_dec.call(toTokens(x));
    const count = patches.shape[1];
    let h = torch.cat([patches, this.cls_emb.expand([batch, -1, -1])], 1);
    for (const block of this.blocks) h = block.call(h);
    h = this.decoder_norm.call(h);
    const unit = (t: Tensor): Tensor => t.div(t.norm(2, [-1], true));
    const patchEmb = unit(h.slice(1, 0, count).matmul(this.proj_patch));
    const classEmb = unit(h.slice(1, count).matmul(this.proj_classes));
    const masks = this.mask_norm.call(patchEmb.matmul(classEmb.transpose(1, 2)));
    return toFeatureMap(masks, x.shape.slice(2));
  }
}
