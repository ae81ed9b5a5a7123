// SETR's naive and progressive-upsampling (PUP) heads (Zheng et al. 2021), mmsegmentation's SETRUPHead
// with its key names: LayerNorm over the token map ("norm"), then numConvs × (conv-BN-ReLU, ×upScale
// bilinear) ("up_convs.i.0"), then the classifier. Naive: 1 conv of 1×1, ×4; PUP: 4 convs of 3×3, ×2.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { checkWidth } from "../blocks/check-width.js";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { resize, spatial } from "../blocks/resize.js";
import { normTokens } from "../blocks/token-norm.js";
import { DecodeHead, HEAD_CONFIG_OPTIONS, type HeadOptions } from "./decode-head.js";

export interface SETRUpHeadOptions extends HeadOptions {
  inChannels: number;
  /** Width of the convs (256). */
  channels?: number;
  numConvs?: number;
  /** Bilinear upsampling factor after each conv. */
  upScale?: number;
  /** 1 or 3. */
  kernelSize?: number;
  dropoutRatio?: number;
}

/** A conv-BN-ReLU followed by ×scale bilinear upsampling (mmseg's ConvModule + Upsample, keys "0"). */
export class ConvUpsample extends nn.Module {
  readonly #conv: ConvBnAct;

  constructor(inChannels: number, outChannels: number, kernelSize: number, readonly scale: number) {
    super();
    this.#conv = this.registerModule("0", new ConvBnAct(inChannels, outChannels, kernelSize));
  }

  forward(x: Tensor): Tensor {
    const y = this.#conv.call(x);
    return resize(y, spatial(y).map((s) => s * this.scale));
  }
}

export class SETRUpHead extends DecodeHead {
  readonly norm: nn.LayerNorm;
  readonly up_convs: nn.ModuleList<ConvUpsample>;

  constructor({ inChannels, channels = 256, numConvs = 1, upScale = 4, kernelSize = 3, dropoutRatio = 0, ...options }: SETRUpHeadOptions) {
    super(options, -1);
    checkWidth("SETRUpHead", "inChannels", inChannels);
    checkWidth("SETRUpHead", "channels", channels);
    checkWidth("SETRUpHead", "numConvs", numConvs);
    checkWidth("SETRUpHead", "upScale", upScale);
    if (kernelSize !== 1 && kernelSize !== 3) throw new RangeError(`SETRUpHead: kernelSize must be 1 or 3, got ${kernelSize}`);
    this.norm = this.registerModule("norm", new nn.LayerNorm(inChannels, { eps: 1e-6 }));
    this.up_convs = this.registerModule("up_convs", new nn.ModuleList(Array.from({ length: numConvs }, (_, i) =>
      new ConvUpsample(i === 0 ? inChannels : channels, channels, kernelSize, upScale))));
    this.addClassifier(channels, dropoutRatio);
  }

  forward(features: Tensor[]): Tensor {
    let x = normTokens(this.norm, this.input(features));
    for (const up of this.up_convs) x = up.call(x);
    return this.classify(x);
  }
}

register<DecodeHead>("head", "setr_up", {
  options: [...HEAD_CONFIG_OPTIONS, "numConvs", "upScale", "kernelSize", "dropoutRatio"],
  summary: "SETR naive / progressive-upsampling head (mmsegmentation's SETRUPHead keys)",
  build: (o) => new SETRUpHead(o as never),
});
