// Segmenter (Strudel et al. 2021) as the authors compose it (segm/model/segmenter.py): the image
// zero-padded to the patch, a ViT encoder (final norm, class token dropped), a linear or mask-transformer
// decoder on the patch tokens, masks upsampled bilinearly to the padded size and cropped back. Children
// are "encoder" (timm's ViT keys, as the authors' ViT has them) and "decoder" (the authors' keys).
import type { Tensor } from "@segkit/torch";
import type { Config } from "../../../config/registry.js";
import { resize, spatial } from "../../blocks/resize.js";
import { VisionTransformer, type ViTOptions } from "../../backbones/vit/vit.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { LinearDecoder, MaskTransformer } from "./decoders.js";

export interface SegmenterOptions extends Omit<SegmentorOptions, "divisor"> {
  /** ViT options; outIndices and finalNorm are the encoder's (the last block, normed). */
  encoder: Omit<ViTOptions, "outIndices" | "finalNorm">;
  decoder: "linear" | "mask_transformer";
  /** Mask transformer blocks (2). */
  decoderLayers?: number;
  decoderDropout?: number;
  decoderDropPathRate?: number;
  loss?: Config;
}

export class Segmenter extends Segmentor {
  readonly encoder: VisionTransformer;
  readonly decoder: LinearDecoder | MaskTransformer;
  readonly patchSize: number;

  constructor({ encoder, decoder, decoderLayers = 2, decoderDropout = 0.1, decoderDropPathRate = 0, ...common }: SegmenterOptions) {
    super({ ...common, divisor: 1 });
    if (typeof encoder !== "object" || encoder === null) throw new RangeError(`Segmenter: encoder must be the ViT's options { embedDim, depth, numHeads, ... }, got ${JSON.stringify(encoder)}`);
    if (decoder !== "linear" && decoder !== "mask_transformer") {
      throw new RangeError(`Segmenter: decoder must be "linear" or "mask_transformer", got ${JSON.stringify(decoder)}`);
    }
    this.encoder = this.registerModule("encoder", new VisionTransformer({ ...encoder, finalNorm: true, outIndices: [encoder.depth - 1] }));
    this.patchSize = encoder.patchSize ?? 16;
    const dim = encoder.embedDim;
    this.decoder = this.registerModule("decoder", decoder === "linear"
      ? new LinearDecoder(dim, this.numClasses)
      : new MaskTransformer({
        numClasses: this.numClasses, dEncoder: dim, dModel: dim, numHeads: encoder.numHeads, numLayers: decoderLayers,
        dropout: decoderDropout, dropPathRate: decoderDropPathRate, chunkElements: encoder.chunkElements,
      }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const [h, w] = spatial(x);
    const masks = this.decoder.call(this.encoder.call(x)[0]);
    const padded = resize(masks, spatial(masks).map((s) => s * this.patchSize));
    return padded.shape[2] === h && padded.shape[3] === w ? padded : padded.slice(2, 0, h).slice(3, 0, w);
  }
}
