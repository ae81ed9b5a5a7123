// Segment Anything (Kirillov et al. 2023): an image encoder run once per image, and a light prompt
// encoder + mask decoder run per prompt. State-dict keys as the authors' Sam (image_encoder.*,
// prompt_encoder.*, mask_decoder.*; pixel_mean and pixel_std are not saved), so the official
// checkpoints load as they are.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ImageEncoderViT } from "./image-encoder.js";
import { MaskDecoder, type DecodedMasks } from "./mask-decoder.js";
import { PromptEncoder, type Prompts } from "./prompt-encoder.js";
import { TwoWayTransformer } from "./two-way-transformer.js";

export interface SamEncoderOptions {
  embedDim: number;
  depth: number;
  numHeads: number;
  globalAttnIndexes: number[];
  windowSize?: number;
  patchSize?: number;
  mlpRatio?: number;
}

export interface SamDecoderOptions {
  depth?: number;
  numHeads?: number;
  mlpDim?: number;
  numMultimaskOutputs?: number;
  iouHeadDepth?: number;
  iouHeadHiddenDim?: number;
}

export interface SamOptions {
  encoder: SamEncoderOptions;
  decoder?: SamDecoderOptions;
  /** Side of the square, padded input image (1024). */
  imgSize?: number;
  /** Width of prompt tokens, image embedding and decoder (256). */
  promptEmbedDim?: number;
  maskInChannels?: number;
  /** Attention weights alive at a time in the image encoder (its global blocks attend in query slices). */
  chunkElements?: number;
}

/** ImageNet mean and std in 0-255 pixel units, as SAM normalises. */
const PIXEL_MEAN = [123.675, 116.28, 103.53];
const PIXEL_STD = [58.395, 57.12, 57.375];

export class Sam extends nn.Module {
  /** Mask logits above this are foreground. */
  readonly maskThreshold = 0;
  readonly image_encoder: ImageEncoderViT;
  readonly prompt_encoder: PromptEncoder;
  readonly mask_decoder: MaskDecoder;
  declare readonly pixel_mean: Tensor;
  declare readonly pixel_std: Tensor;

  constructor({ encoder, decoder = {}, imgSize = 1024, promptEmbedDim = 256, maskInChannels = 16, chunkElements }: SamOptions) {
    super();
    const { embedDim, depth, numHeads, globalAttnIndexes, windowSize = 14, patchSize = 16, mlpRatio = 4 } = encoder;
    const { depth: decoderDepth = 2, numHeads: decoderHeads = 8, mlpDim = 2048, numMultimaskOutputs = 3, iouHeadDepth = 3, iouHeadHiddenDim = 256 } = decoder;
    const grid = imgSize / patchSize;
    this.image_encoder = this.registerModule("image_encoder", new ImageEncoderViT({
      imgSize, patchSize, embedDim, depth, numHeads, mlpRatio, outChannels: promptEmbedDim, windowSize, globalAttnIndexes, chunkElements,
    }));
    this.prompt_encoder = this.registerModule("prompt_encoder", new PromptEncoder(promptEmbedDim, [grid, grid], [imgSize, imgSize], maskInChannels));
    this.mask_decoder = this.registerModule("mask_decoder", new MaskDecoder(
      promptEmbedDim, new TwoWayTransformer(decoderDepth, promptEmbedDim, decoderHeads, mlpDim), { numMultimaskOutputs, iouHeadDepth, iouHeadHiddenDim }));
    this.registerBuffer("pixel_mean", torch.tensor(Float32Array.from(PIXEL_MEAN), { shape: [3, 1, 1] }), { persistent: false });
    this.registerBuffer("pixel_std", torch.tensor(Float32Array.from(PIXEL_STD), { shape: [3, 1, 1] }), { persistent: false });
  }

  get imgSize(): number {
    return this.image_encoder.imgSize;
  }

  /** A resized image batch (B, 3, h, w), 0-255 RGB, long side imgSize → normalised and zero-padded to imgSize². */
  preprocess(x: Tensor): Tensor {
    const [h, w] = x.shape.slice(2);
    return torch.constantPadNd(x.sub(this.pixel_mean).div(this.pixel_std), [0, this.imgSize - w, 0, this.imgSize - h], 0);
  }

  /** Image embeddings (B, C, h, w) of a resized image batch (see preprocess). */
  embed(x: Tensor): Tensor {
    return this.image_encoder.call(this.preprocess(x));
  }

  /** Masks for prompts on one image's embedding (1, C, h, w); prompts in the input frame. */
  forward(embedding: Tensor, prompts: Prompts, multimask: boolean): DecodedMasks {
    const { sparse, dense } = this.prompt_encoder.call(prompts);
    const image = this.mask_decoder.prepareImage(embedding, this.prompt_encoder.denseEncoding(), dense);
    return this.mask_decoder.call(image, sparse, multimask);
  }

  /**
   * Low-resolution masks (B, M, 4h, 4w) → logits at the original image size: upscaled to the padded
   * input, the padding cut at `inputSize` [h, w] (the resized image), then resized to `originalSize`.
   */
  postprocessMasks(masks: Tensor, inputSize: number[], originalSize: number[]): Tensor {
    // Only the low-resolution rows and columns the crop reads are upscaled: output pixel i samples
    // (i + 0.5) / scale − 0.5 and its next neighbour. With the scale given (not recomputed from the
    // sizes) aten places every sample where the whole upscale would: the same numbers, without the padding.
    const scale = this.imgSize / masks.shape[2];
    const needed = (outputs: number, available: number) => Math.min(available, Math.floor(Math.max(0, (outputs - 0.5) / scale - 0.5)) + 2);
    const read = masks.slice(2, 0, needed(inputSize[0], masks.shape[2])).slice(3, 0, needed(inputSize[1], masks.shape[3]));
    const upscaled = torch.nn.functional.interpolate(read, { scaleFactor: scale, mode: "bilinear", alignCorners: false });
    const cropped = upscaled.slice(2, 0, inputSize[0]).slice(3, 0, inputSize[1]);
    // Bilinear (alignCorners false) to the same size samples every pixel at its own centre, a copy:
    // skipped when the image was already at the model's size (the reference runs it anyway).
    if (cropped.shape[2] === originalSize[0] && cropped.shape[3] === originalSize[1]) return cropped.contiguous();
    return torch.nn.functional.interpolate(cropped, { size: originalSize, mode: "bilinear", alignCorners: false });
  }
}
