// APCNet's head (He et al. 2019, "Adaptive Pyramid Context Network for Semantic Segmentation") in
// mmsegmentation's layout and keys (mmseg/models/decode_heads/apc_head.py): one adaptive context
// module per pooling scale s. Each pools the input to s×s regions and, for every pixel, weighs the
// s² region features by an affinity computed from the pixel's own feature plus the global one
// (sigmoid, not softmax); the input and the modules' outputs are concatenated into a 3×3 bottleneck.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import type { DecodeHead, HeadOptions } from "./decode-head.js";
import { HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { ContextModulesHead } from "./context-modules-head.js";
import { register } from "../../config/registry.js";

class AdaptiveContextModule extends nn.Module {
  readonly pooled_redu_conv: ConvBnAct;
  readonly input_redu_conv: ConvBnAct;
  readonly global_info: ConvBnAct;
  readonly gla: nn.Conv2d;
  readonly residual_conv: ConvBnAct;
  readonly fusion_conv: ConvBnAct | null;
  readonly #scale: number;

  constructor(scale: number, fusion: boolean, inChannels: number, channels: number) {
    super();
    this.#scale = scale;
    this.pooled_redu_conv = this.registerModule("pooled_redu_conv", new ConvBnAct(inChannels, channels, 1));
    this.input_redu_conv = this.registerModule("input_redu_conv", new ConvBnAct(inChannels, channels, 1));
    this.global_info = this.registerModule("global_info", new ConvBnAct(channels, channels, 1));
    this.gla = this.registerModule("gla", new nn.Conv2d(channels, scale * scale, 1));
    this.residual_conv = this.registerModule("residual_conv", new ConvBnAct(channels, channels, 1));
    this.fusion_conv = fusion ? this.registerModule("fusion_conv", new ConvBnAct(channels, channels, 1)) : null;
  }

  forward(input: Tensor): Tensor {
    const regions = this.pooled_redu_conv.call(torch.adaptiveAvgPool2d(input, [this.#scale, this.#scale])).flatten(2).transpose(1, 2);
    const x = this.input_redu_conv.call(input);
    const [n, c, h, w] = x.shape;
    // The global feature (1×1) broadcasts over the map, as the reference's resize of it does.
    const globalFeature = this.global_info.call(torch.adaptiveAvgPool2d(x, [1, 1]));
    const affinity = this.gla.call(x.add(globalFeature)).flatten(2).transpose(1, 2).sigmoid();
    const context = this.residual_conv.call(affinity.matmul(regions).transpose(1, 2).reshape([n, c, h, w]));
    const out = context.add(x).relu();
    return this.fusion_conv ? this.fusion_conv.call(out) : out;
  }
}

export interface APCHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** Default 1/2/3/6. */
  poolScales?: number[];
  /** A 1×1 ConvModule after each module (default true). */
  fusion?: boolean;
}

export class APCHead extends ContextModulesHead {
  constructor(options: APCHeadOptions) {
    const { inChannels, channels = 512, poolScales = [1, 2, 3, 6], fusion = true } = options;
    super(options, channels, "acm_modules", poolScales.map((s) => new AdaptiveContextModule(s, fusion, inChannels, channels)));
  }
}

register<DecodeHead>("head", "apc", {
  options: [...HEAD_CONFIG_OPTIONS, "poolScales", "fusion"], summary: "APCNet's adaptive context modules (mmsegmentation's APCHead, its checkpoints' layout)",
  build: (o) => new APCHead(o as never),
});
