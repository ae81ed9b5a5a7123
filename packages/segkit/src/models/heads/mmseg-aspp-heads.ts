// mmsegmentation's ASPPHead (DeepLabV3) and DepthwiseSeparableASPPHead (DeepLabV3+), with the layout
// and keys of its checkpoints (mmseg/models/decode_heads/aspp_head.py, sep_aspp_head.py): an image
// pooling branch ("image_pool": pool, ConvModule) and one branch per dilation ("aspp_modules": 1×1
// for dilation 1, else 3×3, depthwise-separable in the DeepLabV3+ head), concatenated pooling first,
// a 3×3 "bottleneck", then dropout and "conv_seg". torchvision's layouts (a 1×1 projection after the
// branches, then a 3×3 conv) are the "deeplabv3" and "deeplabv3plus" heads.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { DepthwiseSeparableConvModule } from "../blocks/depthwise-separable-conv-module.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

type Branch = ConvBnAct | DepthwiseSeparableConvModule;

interface ASPPOptions extends HeadOptions {
  channels?: number;
  /** Default 1/12/24/36, as mmseg's DeepLab configs at output stride 8. */
  dilations?: number[];
}

/** Global average pool → ConvModule, broadcast back to the input size. */
class ImagePool extends nn.Sequential {
  constructor(inChannels: number, channels: number) {
    super(new nn.AdaptiveAvgPool2d(1), new ConvBnAct(inChannels, channels, 1));
  }

  override forward(x: Tensor): Tensor {
    return resize(super.forward(x), spatial(x));
  }
}

abstract class MmsegASPP extends DecodeHead {
  readonly image_pool: ImagePool;
  readonly aspp_modules: nn.ModuleList<Branch>;
  readonly bottleneck: ConvBnAct;
  protected readonly channels: number;

  constructor(options: ASPPOptions, inChannels: number, defaultInIndex: number | number[], separable: boolean) {
    super(options, defaultInIndex);
    const channels = (this.channels = options.channels ?? 512);
    const dilations = options.dilations ?? [1, 12, 24, 36];
    this.image_pool = this.registerModule("image_pool", new ImagePool(inChannels, channels));
    this.aspp_modules = this.registerModule("aspp_modules", new nn.ModuleList<Branch>(dilations.map((d) => {
      if (d === 1) return new ConvBnAct(inChannels, channels, 1);
      return separable ? new DepthwiseSeparableConvModule(inChannels, channels, 3, { dilation: d }) : new ConvBnAct(inChannels, channels, 3, { dilation: d });
    })));
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct((dilations.length + 1) * channels, channels, 3));
  }

  protected context(x: Tensor): Tensor {
    return this.bottleneck.call(torch.cat([this.image_pool.call(x), ...[...this.aspp_modules].map((branch) => branch.call(x))], 1));
  }
}

export interface ASPPHeadOptions extends ASPPOptions {
  inChannels: number;
}

export class ASPPHead extends MmsegASPP {
  constructor(options: ASPPHeadOptions) {
    super(options, options.inChannels, -1, false);
    this.addClassifier(this.channels);
  }

  forward(features: Tensor[]): Tensor {
    return this.classify(this.context(this.input(features)));
  }
}

export interface SepASPPHeadOptions extends ASPPOptions {
  /** Channels of the low-level (c1) and the last feature maps. */
  inChannels: [number, number];
  /** The low-level features reduced to (mmseg's c1_channels, 48). */
  c1Channels?: number;
}

export class DepthwiseSeparableASPPHead extends MmsegASPP {
  readonly c1_bottleneck: ConvBnAct;
  readonly sep_bottleneck: nn.Sequential;

  constructor(options: SepASPPHeadOptions) {
    super(options, options.inChannels[1], [0, -1], true);
    const c1Channels = options.c1Channels ?? 48;
    this.c1_bottleneck = this.registerModule("c1_bottleneck", new ConvBnAct(options.inChannels[0], c1Channels, 1));
    this.sep_bottleneck = this.registerModule("sep_bottleneck", new nn.Sequential(
      new DepthwiseSeparableConvModule(this.channels + c1Channels, this.channels, 3),
      new DepthwiseSeparableConvModule(this.channels, this.channels, 3)));
    this.addClassifier(this.channels);
  }

  forward(features: Tensor[]): Tensor {
    const [low, high] = this.inputs(features);
    const c1 = this.c1_bottleneck.call(low);
    return this.classify(this.sep_bottleneck.call(torch.cat([resize(this.context(high), spatial(c1)), c1], 1)));
  }
}

register<DecodeHead>("head", "aspp", {
  options: [...HEAD_CONFIG_OPTIONS, "dilations"], summary: "mmsegmentation's ASPPHead (DeepLabV3; its checkpoints' layout)", build: (o) => new ASPPHead(o as never),
});
register<DecodeHead>("head", "sep_aspp", {
  options: [...HEAD_CONFIG_OPTIONS, "dilations", "c1Channels"], summary: "mmsegmentation's DepthwiseSeparableASPPHead (DeepLabV3+; its checkpoints' layout)",
  build: (o) => new DepthwiseSeparableASPPHead(o as never),
});
