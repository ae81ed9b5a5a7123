// SAM's mask decoder: learned IoU and mask tokens join the prompt tokens in the two-way transformer;
// the image tokens are upscaled 4× by transposed convs and each mask token's hypernetwork MLP gives
// the weights of a dot product with them (mask logits at 4× the embedding); an MLP on the IoU token
// predicts each mask's quality. Mask 0 answers unambiguous prompts, masks 1-3 ambiguous ones
// (multimask). Keys as the authors' MaskDecoder.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { LayerNorm2d } from "../blocks/layer-norm-2d.js";
import { upscaledMasks, type UpscalingLayers } from "./mask-upscaling.js";
import { MLP } from "./mlp.js";
import type { DecoderImage, TwoWayTransformer } from "./two-way-transformer.js";

export interface MaskDecoderOptions {
  numMultimaskOutputs: number;
  iouHeadDepth: number;
  iouHeadHiddenDim: number;
}

export interface DecodedMasks {
  /** Low-resolution mask logits (B, masks, 4·h, 4·w). */
  masks: Tensor;
  /** Predicted IoU of each mask (B, masks). */
  iou: Tensor;
}

export class MaskDecoder extends nn.Module {
  readonly transformer: TwoWayTransformer;
  readonly iou_token: nn.Embedding;
  readonly mask_tokens: nn.Embedding;
  readonly output_upscaling: nn.Sequential;
  readonly output_hypernetworks_mlps: nn.ModuleList<MLP>;
  readonly iou_prediction_head: MLP;
  readonly numMaskTokens: number;
  readonly #upscaling: UpscalingLayers;

  constructor(readonly dim: number, transformer: TwoWayTransformer, { numMultimaskOutputs, iouHeadDepth, iouHeadHiddenDim }: MaskDecoderOptions) {
    super();
    this.numMaskTokens = numMultimaskOutputs + 1;
    this.transformer = this.registerModule("transformer", transformer);
    this.iou_token = this.registerModule("iou_token", new nn.Embedding(1, dim));
    this.mask_tokens = this.registerModule("mask_tokens", new nn.Embedding(this.numMaskTokens, dim));
    const first = new nn.ConvTranspose2d(dim, dim / 4, 2, { stride: 2 });
    const norm = new LayerNorm2d(dim / 4);
    const second = new nn.ConvTranspose2d(dim / 4, dim / 8, 2, { stride: 2 });
    // The reference's layers and keys; run by upscaledMasks (channels last), not as a Sequential.
    this.output_upscaling = this.registerModule("output_upscaling", new nn.Sequential(first, norm, new nn.GELU(), second, new nn.GELU()));
    this.#upscaling = { first, norm, second };
    this.output_hypernetworks_mlps = this.registerModule("output_hypernetworks_mlps", new nn.ModuleList(
      Array.from({ length: this.numMaskTokens }, () => new MLP(dim, dim, dim / 8, 3))));
    this.iou_prediction_head = this.registerModule("iou_prediction_head", new MLP(dim, iouHeadHiddenDim, this.numMaskTokens, iouHeadDepth));
  }

  /**
   * The prompt-independent part of the decoder for one image: `embedding` and `imagePe` (1, C, h, w)
   * and the dense prompt embedding (B or 1, C, h, w); the same for every prompt without a mask input.
   */
  prepareImage(embedding: Tensor, imagePe: Tensor, dense: Tensor): DecoderImage {
    if (embedding.shape[0] !== 1) throw new RangeError(`MaskDecoder: expected one image's embedding (1, C, h, w), got [${embedding.shape.join(", ")}]`);
    // One image for every prompt (the reference's repeat_interleave of a batch of one).
    return this.transformer.prepareImage(embedding.add(dense), imagePe);
  }

  /** Masks for each prompt's sparse tokens (B, N, C) on a prepared image. multimask: masks 1-3, otherwise mask 0. */
  forward(image: DecoderImage, sparse: Tensor, multimask: boolean): DecodedMasks {
    return this.predictMasks(image, sparse, multimask ? [1, this.numMaskTokens] : [0, 1]);
  }

  /** The mask tokens from..to's outputs (all by default): masks (B, to − from, 4h, 4w) and IoU (B, to − from). */
  predictMasks(image: DecoderImage, sparse: Tensor, [from, to] = [0, this.numMaskTokens]): DecodedMasks {
    const batch = sparse.shape[0];
    const outputTokens = torch.cat([this.iou_token.weight, this.mask_tokens.weight], 0).unsqueeze(0).expand([batch, -1, -1]);
    const tokens = torch.cat([outputTokens, sparse], 1);
    const [hs, imageTokens] = this.transformer.call(image, tokens);
    const mlps = [...this.output_hypernetworks_mlps].slice(from, to);
    const hyper = torch.stack(mlps.map((mlp, i) => mlp.call(hs.select(1, 1 + from + i))), 1);
    return { masks: this.maskLogits(imageTokens, hyper, image.grid), iou: this.iou_prediction_head.call(hs.select(1, 0)).slice(1, from, to) };
  }

  /** Image tokens (B, h·w, C) and hypernetwork weights (B, M, C/8) → mask logits (B, M, 4h, 4w). */
  maskLogits(imageTokens: Tensor, hyper: Tensor, grid: number[]): Tensor {
    return upscaledMasks(this.#upscaling, imageTokens, hyper, grid);
  }
}
