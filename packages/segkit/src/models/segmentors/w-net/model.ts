// W-Net (Xia & Kulis, "W-Net: A Deep Model for Fully Unsupervised Image Segmentation",
// arXiv:1711.08506; Sec. 3, Fig. 1): two cascaded U-Nets. The encoder U-Net maps the image to K
// segment scores (softmax: soft segments), the decoder U-Net reconstructs the image from them; 18
// modules and 46 convolution layers in all. Training needs no labels: the soft normalized-cut loss
// of the segments plus the reconstruction's mean squared error (Sec. 3.2). The paper alternates the
// two (N-cut updating the encoder, then reconstruction the whole network); here one step minimizes
// their weighted sum, the trainer's usual loss parts. Dropout (0.65) and the paper's post-processing
// (CRF, hierarchical merging) are left out. forward gives the K segment scores.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { softNCutLoss, type SoftNCutOptions } from "../../../losses/soft-ncut.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { WNetUNet } from "./u-net.js";

export interface WNetOptions extends Omit<SegmentorOptions, "divisor">, Partial<SoftNCutOptions> {
  /** Widths of each U-Net's levels (the paper's 64, 128, 256, 512, 1024). */
  widths?: number[];
  inChannels?: number;
  ncutWeight?: number;
  reconstructionWeight?: number;
}

export const WNET_OPTIONS = ["widths", "inChannels", "radius", "sigmaIntensity", "sigmaSpatial", "ncutWeight", "reconstructionWeight"];

export class WNet extends Segmentor {
  readonly encoder: WNetUNet;
  readonly decoder: WNetUNet;
  readonly ncut: SoftNCutOptions;
  readonly #weights: { ncut: number; reconstruction: number };

  constructor({
    widths = [64, 128, 256, 512, 1024], inChannels = 3, radius = 5, sigmaIntensity = 10, sigmaSpatial = 4,
    ncutWeight = 1, reconstructionWeight = 1, ...common
  }: WNetOptions) {
    super({ ...common, divisor: 2 ** (widths.length - 1) });
    if (!Array.isArray(widths) || widths.length < 2) throw new RangeError(`WNet: widths must list at least 2 level widths, got ${JSON.stringify(widths)}`);
    checkWidth("WNet", "widths", widths);
    for (const [key, value] of Object.entries({ radius, sigmaIntensity, sigmaSpatial })) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`WNet: ${key} must be a positive number, got ${value}`);
    }
    for (const [key, value] of Object.entries({ ncutWeight, reconstructionWeight })) {
      if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`WNet: ${key} must be a finite number ≥ 0, got ${value}`);
    }
    this.ncut = { radius, sigmaIntensity, sigmaSpatial };
    this.#weights = { ncut: ncutWeight, reconstruction: reconstructionWeight };
    this.encoder = this.registerModule("encoder", new WNetUNet(inChannels, this.numClasses, widths));
    this.decoder = this.registerModule("decoder", new WNetUNet(this.numClasses, inChannels, widths));
  }

  /** The K segment scores (N, K, H, W). */
  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return this.encoder.call(x);
  }

  /** The soft segments (softmax over K) and the decoder's reconstruction of the image from them. */
  outputs(x: Tensor): { segments: Tensor; reconstruction: Tensor } {
    const segments = this.forward(x).softmax(1);
    return { segments, reconstruction: this.decoder.call(segments) };
  }

  /** Unsupervised: the target (labels) is not read. */
  protected override losses(x: Tensor): Record<string, Tensor> {
    const { segments, reconstruction } = this.outputs(x);
    return {
      "ncut.loss": softNCutLoss(segments, x, this.ncut).mul(this.#weights.ncut),
      "reconstruction.loss": torch.mseLoss(reconstruction, x).mul(this.#weights.reconstruction),
    };
  }
}
