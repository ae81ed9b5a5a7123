// Weight-standardised convolution (Qiao et al. 2019, used by BiT and the R50+ViT hybrid): each output
// filter is shifted and scaled to zero mean and unit variance (biased) before the convolution, as
// timm's StdConv2d/StdConv2dSame and TransUNet's StdConv2d do. Key: "weight" (no bias).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { padSame } from "./same-padding.js";

export interface StdConvOptions {
  stride?: number;
  /** "same": TensorFlow SAME padding from the input size (timm's StdConv2dSame); "symmetric": kernel // 2 on each side. */
  padding: "same" | "symmetric";
  /** Added to the variance: 1e-8 in timm's hybrid ViT, 1e-5 in TransUNet. */
  eps: number;
}

export class StdConv2d extends nn.Conv2d {
  readonly #same: boolean;
  readonly #padding: number;
  readonly #eps: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { stride = 1, padding, eps }: StdConvOptions) {
    super(inChannels, outChannels, kernelSize, { stride, padding: padding === "same" ? 0 : kernelSize >> 1, bias: false });
    this.#same = padding === "same";
    this.#padding = padding === "same" ? 0 : kernelSize >> 1;
    this.#eps = eps;
  }

  override forward(x: Tensor): Tensor {
    // Each filter is one group of a group norm over the weight (as timm standardises with a batch norm).
    const w = this.weight;
    const filters = w.shape[0];
    const standardised = torch.groupNorm(w.reshape([1, filters, -1]), filters, null, null, this.#eps).reshape(w.shape);
    const input = this.#same ? padSame(x, this.kernelSize[0], this.stride[0]) : x;
    return torch.conv2d(input, standardised, null, this.stride, this.#padding, this.dilation, this.groups);
  }
}
