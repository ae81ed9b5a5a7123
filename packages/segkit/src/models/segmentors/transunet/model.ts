// TransUNet (Chen et al. 2021, arXiv:2102.04306) as the authors' networks/vit_seg_modeling.py builds
// it, keys included: an R50+ViT hybrid encoder (transformer.*), the cascaded upsampler (decoder.*)
// with skips from the ResNet's stride-8, -4 and -2 maps, and a 3×3 conv classifier at full resolution
// (segmentation_head.0). Like the authors' code it needs sides that are multiples of 16; their stem
// pool is unpadded, so a stage map one pixel short of side/4 (or side/8) is zero-padded at the bottom
// and right before it is a skip, as they do.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import type { ResNetV2Options } from "../../backbones/resnetv2/resnetv2.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { DecoderCup } from "./decoder.js";
import { TransUNetEncoder } from "./encoder.js";

export interface TransUNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** The hybrid's ResNetV2: the authors' R50 is stages [3, 4, 9] of 256, 512, 1024 channels on a 64-wide stem. */
  resnet?: Omit<ResNetV2Options, "layout" | "inChannels">;
  embedDim?: number;
  depth?: number;
  numHeads?: number;
  mlpDim?: number;
  /** Training image side (a multiple of 16): the position embedding holds (imgSize / 16)² entries. */
  imgSize?: number;
  /** Dropout after the position embedding and in the MLPs (the authors' 0.1). */
  dropRate?: number;
  /** Width of the conv between the encoder and the upsampler (512 in the authors' code). */
  headChannels?: number;
  decoderChannels?: number[];
  /** How many upsampling blocks take a skip (the authors' n_skip, 0–3). */
  skips?: number;
}

export const TRANSUNET_OPTIONS = ["resnet", "embedDim", "depth", "numHeads", "mlpDim", "imgSize", "dropRate", "headChannels", "decoderChannels", "skips"];

export class TransUNet extends Segmentor {
  readonly transformer: TransUNetEncoder;
  readonly decoder: DecoderCup;
  readonly segmentation_head: nn.Sequential;
  readonly #skips: number;

  constructor({
    resnet = { layers: [3, 4, 9] }, embedDim = 768, depth = 12, numHeads = 12, mlpDim = 3072, imgSize = 224, dropRate = 0.1,
    headChannels = 512, decoderChannels = [256, 128, 64, 16], skips = 3, ...common
  }: TransUNetOptions) {
    super({ ...common, divisor: 16 });
    if (!(Number.isInteger(imgSize) && imgSize >= 16 && imgSize % 16 === 0)) throw new RangeError(`TransUNet: imgSize must be a multiple of 16 (the divisor), got ${imgSize}`);
    if ((resnet.layers?.length ?? 0) !== 3) throw new RangeError(`TransUNet: resnet.layers must list 3 stages (stride 16), got ${JSON.stringify(resnet.layers)}`);
    if (!Array.isArray(decoderChannels) || decoderChannels.length !== 4) throw new RangeError(`TransUNet: decoderChannels must list 4 widths, got ${JSON.stringify(decoderChannels)}`);
    decoderChannels.forEach((c) => checkWidth("TransUNet", "decoderChannels", c));
    if (!(Number.isInteger(skips) && skips >= 0 && skips <= 3)) throw new RangeError(`TransUNet: skips must be an integer from 0 to 3, got ${skips}`);
    this.#skips = skips;
    this.transformer = this.registerModule("transformer", new TransUNetEncoder({ resnet, embedDim, depth, numHeads, mlpDim, grid: imgSize / 16, dropRate }));
    // Skips from coarse to fine: stage 2 (stride 8), stage 1 (stride 4), the stem (stride 2).
    const skipChannels = this.transformer.featureChannels.slice(0, 3).reverse().map((c, i) => (i < skips ? c : 0)).concat(0);
    this.decoder = this.registerModule("decoder", new DecoderCup(embedDim, headChannels, decoderChannels, skipChannels));
    this.segmentation_head = this.registerModule("segmentation_head", new nn.Sequential(new nn.Conv2d(decoderChannels[3], this.numClasses, 3, { padding: 1 })));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const { encoded, features } = this.transformer.call(x);
    const [h, w] = x.shape.slice(2);
    const strides = [8, 4, 2];
    const skips = [features[2], features[1], features[0]].map((f, i) => (i < this.#skips ? padTo(f, h / strides[i], w / strides[i]) : null));
    return this.segmentation_head.call(this.decoder.call(encoded, [...skips, null]));
  }
}

/** f zero-padded at the bottom and right to h × w (the authors' fix for their unpadded stem pool). */
function padTo(f: Tensor, h: number, w: number): Tensor {
  const [fh, fw] = f.shape.slice(2);
  return fh === h && fw === w ? f : torch.constantPadNd(f, [0, w - fw, 0, h - fh], 0);
}
