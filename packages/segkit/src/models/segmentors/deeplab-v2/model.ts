// DeepLab v2 (Chen et al. 2017, "DeepLab: Semantic Image Segmentation with Deep Convolutional Nets,
// Atrous Convolution, and Fully Connected CRFs") in kazuto1011/deeplab-pytorch's layout and keys
// (libs/models/deeplabv2.py, msc.py): "base" is the dilated MSRA ResNet (layer1..layer5, output stride
// 8) and ASPP — parallel 3×3 convs to the classes at rates 6/12/18/24 ("aspp.c0".."c3"), summed. The
// multi-scale input fusion (MSC) runs "base" on the image and on copies scaled by 0.5 and 0.75, brings
// their logits to the full-scale logits' size and takes the pixel-wise maximum. Training sums the loss
// of every scale's logits and of the fused ones, as the authors do (logits resized to the labels
// here; the reference shrinks the labels with PIL's nearest). The CRF post-processing is not part of it.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { msraResNetLayers } from "./msra-resnet.js";

class ASPPSum extends nn.Module {
  readonly #branches: nn.Conv2d[];

  constructor(inChannels: number, numClasses: number, rates: number[]) {
    super();
    this.#branches = rates.map((rate, i) => this.registerModule(`c${i}`, new nn.Conv2d(inChannels, numClasses, 3, { padding: rate, dilation: rate })));
  }

  forward(x: Tensor): Tensor {
    return this.#branches.map((branch) => branch.call(x)).reduce((sum, y) => sum.add(y));
  }
}

/** The single-scale network: dilated ResNet then ASPP; logits at stride 8. */
class DeepLabV2Base extends nn.Module {
  readonly #layers: (nn.Module & { forward(x: Tensor): Tensor })[];

  constructor(numClasses: number, blocks: number[], rates: number[], width: number) {
    super();
    this.#layers = [...msraResNetLayers(blocks, width), ["aspp", new ASPPSum(32 * width, numClasses, rates)] as const].map(([name, layer]) => this.registerModule(name, layer));
  }

  forward(x: Tensor): Tensor {
    return this.#layers.reduce((h, layer) => layer.call(h), x);
  }
}

export interface DeepLabV2Options extends SegmentorOptions {
  /** Bottlenecks per stage (ResNet-101: 3, 4, 23, 3). */
  blocks?: number[];
  /** Stem width (64; small test models use less). */
  width?: number;
  /** ASPP rates (default 6, 12, 18, 24: "ASPP-L"). */
  rates?: number[];
  /** The extra input scales fused by maximum (default 0.5, 0.75; empty for a single scale). */
  scales?: number[];
}

export class DeepLabV2 extends Segmentor {
  readonly base: DeepLabV2Base;
  readonly #scales: number[];

  constructor({ blocks = [3, 4, 23, 3], width = 64, rates = [6, 12, 18, 24], scales = [0.5, 0.75], ...options }: DeepLabV2Options) {
    super(options);
    if (!scales.every((s) => s > 0 && s < 1)) throw new RangeError(`DeepLabV2: scales must lie in (0, 1), got ${JSON.stringify(scales)}`);
    this.base = this.registerModule("base", new DeepLabV2Base(options.numClasses, blocks, rates, width));
    this.#scales = scales;
  }

  /** The full-scale logits, each scaled input's logits, then their pixel-wise maximum at the full-scale size. */
  scaleLogits(x: Tensor): Tensor[] {
    this.checkImage(x);
    const full = this.base.call(x);
    // As F.interpolate(scale_factor=s): the output size is floor(s·size), sampled at the exact scale s.
    const scaled = this.#scales.map((s) => this.base.call(torch.upsampleBilinear2d(x, null, false, [s, s])));
    const fused = torch.stack([full, ...scaled.map((l) => resize(l, spatial(full)))]).amax(0);
    return [full, ...scaled, fused];
  }

  forward(x: Tensor): Tensor {
    return resize(this.scaleLogits(x).at(-1)!, spatial(x));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const logits = this.scaleLogits(x);
    const names = ["scale_1", ...this.#scales.map((_, i) => `scale_${i + 2}`), "fused"];
    return Object.fromEntries(logits.map((l, i) => [`${names[i]}.loss`, this.pixelLoss(l, target)]));
  }
}
