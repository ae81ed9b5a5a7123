// Fast-SCNN (Poudel et al., "Fast-SCNN: Fast Semantic Segmentation Network", 2019) as
// mmsegmentation's fast_scnn config composes it: the FastSCNN encoder, a depthwise-separable FCN
// decode head on the fused features, and in training two FCN auxiliary heads (loss weight 0.4 each)
// on the global (stride 32) and high-resolution (stride 8) features. Keys are mmsegmentation's.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { FastSCNNEncoder } from "./backbone.js";
import { auxiliaryHead, separableHead, type ConvStackHead } from "./heads.js";

export interface FastSCNNOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Learning to downsample widths ([32, 48, 64]). */
  downsampleChannels?: number[];
  /** Global feature extractor group widths ([64, 96, 128]). */
  globalChannels?: number[];
  /** Global output, fusion and decode head width (128). */
  channels?: number;
  /** Auxiliary head width (32). */
  auxChannels?: number;
}

export class FastSCNN extends Segmentor {
  readonly backbone: FastSCNNEncoder;
  readonly decode_head: ConvStackHead;
  readonly auxiliary_head: nn.ModuleList<ConvStackHead>;

  constructor({ downsampleChannels = [32, 48, 64], globalChannels = [64, 96, 128], channels = 128, auxChannels = 32, ...common }: FastSCNNOptions) {
    super({ ...common, divisor: 1 });
    if (downsampleChannels.length !== 3 || globalChannels.length !== 3) {
      throw new RangeError(`FastSCNN: downsampleChannels and globalChannels take 3 widths each, got [${downsampleChannels}] and [${globalChannels}]`);
    }
    checkWidth("FastSCNN", "downsampleChannels", downsampleChannels);
    checkWidth("FastSCNN", "globalChannels", globalChannels, { min: 4 }); // pyramid pooling takes a quarter of the last
    checkWidth("FastSCNN", "channels", channels);
    checkWidth("FastSCNN", "auxChannels", auxChannels);
    this.backbone = this.registerModule("backbone", new FastSCNNEncoder({ downsampleChannels, globalChannels, channels }));
    const head = { numClasses: this.numClasses, ignoreIndex: this.ignoreIndex, loss: common.loss };
    this.decode_head = this.registerModule("decode_head", separableHead({ ...head, inIndex: 2 }, channels, channels));
    this.auxiliary_head = this.registerModule("auxiliary_head", new nn.ModuleList([
      auxiliaryHead({ ...head, inIndex: 1, lossWeight: 0.4, name: "aux0" }, channels, auxChannels),
      auxiliaryHead({ ...head, inIndex: 0, lossWeight: 0.4, name: "aux1" }, downsampleChannels[2], auxChannels),
    ]));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.decode_head.call(this.backbone.call(x)), spatial(x));
  }

  /** The main logits at the input size and the two auxiliary heads' logits at their strides (32, 8). */
  forwardAll(x: Tensor): Tensor[] {
    return torch.tidy(() => {
      this.checkImage(x);
      const features = this.backbone.call(x);
      return [resize(this.decode_head.call(features), spatial(x)), ...[...this.auxiliary_head].map((h) => h.call(features))];
    });
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const features = this.backbone.call(x);
    const parts: Record<string, Tensor> = {};
    for (const head of [this.decode_head, ...this.auxiliary_head]) Object.assign(parts, head.loss(head.call(features), target));
    return parts;
  }
}
