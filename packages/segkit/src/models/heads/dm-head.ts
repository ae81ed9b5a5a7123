// DMNet's head (He et al. 2019, "Dynamic Multi-scale Filters for Semantic Segmentation") in
// mmsegmentation's layout and keys (mmseg/models/decode_heads/dm_head.py): one dynamic convolutional
// module per filter size k. Each generates a k×k depthwise filter per image and channel from the
// input pooled to k×k, applies it to the reduced input (zero padding; an even k pads one more at the
// top and left), then BN ("norm") and ReLU; the input and the modules' outputs are concatenated into
// a 3×3 bottleneck.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import type { DecodeHead, HeadOptions } from "./decode-head.js";
import { HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { ContextModulesHead } from "./context-modules-head.js";
import { register } from "../../config/registry.js";

class DynamicConvModule extends nn.Module {
  readonly filter_gen_conv: nn.Conv2d;
  readonly input_redu_conv: ConvBnAct;
  readonly norm: nn.BatchNorm2d;
  readonly fusion_conv: ConvBnAct | null;
  readonly #size: number;

  constructor(size: number, fusion: boolean, inChannels: number, channels: number) {
    super();
    this.#size = size;
    this.filter_gen_conv = this.registerModule("filter_gen_conv", new nn.Conv2d(inChannels, channels, 1));
    this.input_redu_conv = this.registerModule("input_redu_conv", new ConvBnAct(inChannels, channels, 1));
    this.norm = this.registerModule("norm", new nn.BatchNorm2d(channels));
    this.fusion_conv = fusion ? this.registerModule("fusion_conv", new ConvBnAct(channels, channels, 1)) : null;
  }

  forward(input: Tensor): Tensor {
    const k = this.#size;
    const filters = this.filter_gen_conv.call(torch.adaptiveAvgPool2d(input, [k, k]));
    const x = this.input_redu_conv.call(input);
    const [n, c, h, w] = x.shape;
    // Every (image, channel) pair is a group of one grouped conv over the batch folded into channels.
    const half = (k - 1) >> 1;
    const before = (k - 1) % 2 === 0 ? half : half + 1;
    const padded = torch.constantPadNd(x.reshape([1, n * c, h, w]), [before, half, before, half], 0);
    const out = torch.conv2d(padded, filters.reshape([n * c, 1, k, k]), null, 1, 0, 1, n * c).reshape([n, c, h, w]);
    const activated = this.norm.call(out).relu();
    return this.fusion_conv ? this.fusion_conv.call(activated) : activated;
  }
}

export interface DMHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** Default 1/3/5/7. */
  filterSizes?: number[];
  /** A 1×1 ConvModule after each module (default false). */
  fusion?: boolean;
}

export class DMHead extends ContextModulesHead {
  constructor(options: DMHeadOptions) {
    const { inChannels, channels = 512, filterSizes = [1, 3, 5, 7], fusion = false } = options;
    super(options, channels, "dcm_modules", filterSizes.map((k) => new DynamicConvModule(k, fusion, inChannels, channels)));
  }
}

register<DecodeHead>("head", "dm", {
  options: [...HEAD_CONFIG_OPTIONS, "filterSizes", "fusion"], summary: "DMNet's dynamic convolutional modules (mmsegmentation's DMHead, its checkpoints' layout)",
  build: (o) => new DMHead(o as never),
});
