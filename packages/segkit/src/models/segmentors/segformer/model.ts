// SegFormer (Xie et al. 2021): the MiT encoder and the all-MLP decode head, logits upsampled to the
// input. Keys as Hugging Face's SegformerForSemanticSegmentation ("segformer.encoder.*",
// "decode_head.*"), the names of the hub's nvidia/segformer-b* files; key-map.ts converts the
// authors' (mmsegmentation-style) checkpoints.
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { MixVisionTransformer, type MiTOptions } from "../../backbones/mit/mit.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { SegFormerHead } from "./head.js";

export interface SegFormerOptions extends Omit<SegmentorOptions, "divisor">, MiTOptions {
  /** Decode head width (256 for B0/B1, 768 for B2–B5). */
  decoderChannels: number;
  /** Dropout before the classifier (0.1). */
  dropoutRatio?: number;
}

export class SegFormer extends Segmentor {
  readonly segformer: MixVisionTransformer;
  readonly decode_head: SegFormerHead;

  constructor({ numClasses, ignoreIndex, loss, decoderChannels, dropoutRatio, ...encoder }: SegFormerOptions) {
    // Overlapping patch embeddings take any size: each stage's grid is ⌈previous / stride⌉.
    super({ numClasses, ignoreIndex, loss, divisor: 1 });
    checkWidth("SegFormer", "decoderChannels", decoderChannels);
    this.segformer = this.registerModule("segformer", new MixVisionTransformer(encoder));
    this.decode_head = this.registerModule("decode_head", new SegFormerHead({
      numClasses, ignoreIndex: this.ignoreIndex, inChannels: this.segformer.outChannels, channels: decoderChannels, dropoutRatio,
    }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.decode_head.call(this.segformer.call(x)), spatial(x));
  }
}
