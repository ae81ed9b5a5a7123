// OCRNet's head (Yuan et al., "Object-Contextual Representations for Semantic Segmentation", ECCV
// 2020) in mmsegmentation's layout (mmseg/models/decode_heads/ocr_head.py). It runs second in a
// cascade: the previous head's logits are K soft object regions. The pixels' features (a 3×3
// conv-BN-ReLU "bottleneck" of the input) are pooled per region, weighted by the region's softmax
// over all pixels ("object region representations"); each pixel attends to the K regions
// (pixel–region relation: scaled dot product of 2-conv query and key projections) and takes their
// value projection back ("object contextual representation"), which is projected out, concatenated
// with the pixel's own features and fused by a 1×1 conv-BN-ReLU ("augmented representation") before
// the classifier. Keys: bottleneck, object_context_block.{query,key}_project.{0,1},
// object_context_block.{value,out}_project, object_context_block.bottleneck, conv_seg.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../blocks/check-width.js";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { concatenatedChannels, resizeConcat } from "../blocks/resize-concat.js";
import { DecodeHead, type HeadOptions } from "./decode-head.js";

/**
 * Region representations (N, C, K, 1): each of the K regions' features averaged over the pixels with
 * the weights softmax(region logits) over the image.
 */
export function gatherRegions(features: Tensor, regionLogits: Tensor): Tensor {
  const [n, c] = features.shape;
  const k = regionLogits.shape[1];
  const weights = regionLogits.flatten(2).softmax(2); // N, K, HW
  return weights.matmul(features.flatten(2).transpose(1, 2)).transpose(1, 2).reshape([n, c, k, 1]);
}

/** Pixels attend to regions; their context, projected back, is fused with the pixels' own features. */
class ObjectAttentionBlock extends nn.Module {
  readonly key_project: nn.Sequential;
  readonly query_project: nn.Sequential;
  readonly value_project: ConvBnAct;
  readonly out_project: ConvBnAct;
  readonly bottleneck: ConvBnAct;
  readonly #keyChannels: number;

  constructor(channels: number, keyChannels: number) {
    super();
    this.#keyChannels = keyChannels;
    const project = (): nn.Sequential => new nn.Sequential(new ConvBnAct(channels, keyChannels, 1), new ConvBnAct(keyChannels, keyChannels, 1));
    this.key_project = this.registerModule("key_project", project());
    this.query_project = this.registerModule("query_project", project());
    this.value_project = this.registerModule("value_project", new ConvBnAct(channels, keyChannels, 1));
    this.out_project = this.registerModule("out_project", new ConvBnAct(keyChannels, channels, 1));
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct(2 * channels, channels, 1));
  }

  /** `pixels` (N, C, H, W), `regions` (N, C, K, 1) → (N, C, H, W). */
  forward(pixels: Tensor, regions: Tensor): Tensor {
    const [n, , h, w] = pixels.shape;
    const query = this.query_project.call(pixels).flatten(2).transpose(1, 2); // N, HW, c
    const key = this.key_project.call(regions).flatten(2); // N, c, K
    const value = this.value_project.call(regions).flatten(2).transpose(1, 2); // N, K, c
    const relation = query.matmul(key).mul(this.#keyChannels ** -0.5).softmax(-1); // N, HW, K
    const context = relation.matmul(value).transpose(1, 2).reshape([n, this.#keyChannels, h, w]);
    return this.bottleneck.call(torch.cat([this.out_project.call(context), pixels], 1));
  }
}

export interface OCRHeadOptions extends HeadOptions {
  /** The input's channels; a list (the widths of the maps at inIndex) joins them by resize_concat. */
  inChannels: number | number[];
  /** Pixel feature width (512). */
  channels?: number;
  /** Key/query/value width of the pixel–region attention (256). */
  ocrChannels?: number;
  /** Default 0.1; 0 for none (mmseg's -1). */
  dropoutRatio?: number;
}

export class OCRHead extends DecodeHead {
  readonly bottleneck: ConvBnAct;
  readonly object_context_block: ObjectAttentionBlock;
  readonly #concatInputs: boolean;

  constructor(options: OCRHeadOptions) {
    super(options, -1);
    const { inChannels, channels = 512, ocrChannels = 256, dropoutRatio = 0.1 } = options;
    checkWidth("OCRHead", "inChannels", inChannels);
    checkWidth("OCRHead", "channels", channels);
    checkWidth("OCRHead", "ocrChannels", ocrChannels);
    if (Array.isArray(inChannels) !== Array.isArray(this.inIndex)) throw new RangeError("OCRHead: inChannels is a list exactly when inIndex is (the maps are joined by resize_concat)");
    this.#concatInputs = Array.isArray(inChannels);
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct(concatenatedChannels(inChannels), channels, 3));
    this.object_context_block = this.registerModule("object_context_block", new ObjectAttentionBlock(channels, ocrChannels));
    this.addClassifier(channels, dropoutRatio);
  }

  /** Logits from the features and the previous cascade stage's logits (the soft object regions, at the features' size). */
  forward(features: Tensor[], previous?: Tensor): Tensor {
    if (!previous) throw new Error("OCRHead: needs the previous head's logits (it runs second in a cascade)");
    const x = this.#concatInputs ? resizeConcat(this.inputs(features)) : this.input(features);
    const pixels = this.bottleneck.call(x);
    if (previous.shape[2] !== pixels.shape[2] || previous.shape[3] !== pixels.shape[3]) {
      throw new RangeError(`OCRHead: the region logits [${previous.shape}] must have the features' size [${pixels.shape.slice(2)}]`);
    }
    return this.classify(this.object_context_block.call(pixels, gatherRegions(pixels, previous)));
  }
}
