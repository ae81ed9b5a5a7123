// The bottleneck of the R50 in the R50+ViT hybrid: conv1×1 → GN → ReLU → conv3×3 (stride) → GN → ReLU →
// conv1×1 → GN, plus the shortcut (a strided 1×1 conv and GN on a stage's first block), then ReLU;
// weight-standardised convs, GroupNorm of 32 groups. timm (resnetv2.py Bottleneck, the non-pre-activation
// block) and TransUNet (vit_seg_modeling_resnet_skip.py PreActBottleneck, which despite its name is the
// same block) differ in key names, padding and epsilons: the layout carries all three.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { StdConv2d } from "./std-conv.js";

/**
 * "timm": keys stem.conv/norm, stages.S.blocks.B.{conv1,norm1,…,downsample.conv,downsample.norm};
 * SAME padding, conv eps 1e-8, GroupNorm eps 1e-5.
 * "transunet": keys root.conv/gn, body.blockS.unitB.{conv1,gn1,…,downsample,gn_proj}; symmetric
 * padding, unpadded stem pool, conv eps 1e-5, GroupNorm eps 1e-6 (gn_proj: one group per channel, eps 1e-5).
 */
export type ResNetV2Layout = "timm" | "transunet";
export const RESNETV2_LAYOUTS: ResNetV2Layout[] = ["timm", "transunet"];

export const LAYOUT_NUMERICS = {
  timm: { padding: "same", convEps: 1e-8, normEps: 1e-5 },
  transunet: { padding: "symmetric", convEps: 1e-5, normEps: 1e-6 },
} as const;

/** A standardised conv of the layout. */
export function layoutConv(layout: ResNetV2Layout, inChannels: number, outChannels: number, kernelSize: number, stride = 1): StdConv2d {
  const { padding, convEps } = LAYOUT_NUMERICS[layout];
  return new StdConv2d(inChannels, outChannels, kernelSize, { stride, padding, eps: convEps });
}

/** timm's DownsampleConv: the shortcut's conv and norm under "downsample". */
class DownsampleConv extends nn.Module {
  readonly conv: StdConv2d;
  readonly norm: nn.GroupNorm;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    this.conv = this.registerModule("conv", layoutConv("timm", inChannels, outChannels, 1, stride));
    this.norm = this.registerModule("norm", new nn.GroupNorm(32, outChannels, { eps: LAYOUT_NUMERICS.timm.normEps }));
  }

  forward(x: Tensor): Tensor {
    return this.norm.call(this.conv.call(x));
  }
}

export class Bottleneck extends nn.Module {
  readonly conv1: StdConv2d;
  readonly norm1: nn.GroupNorm;
  readonly conv2: StdConv2d;
  readonly norm2: nn.GroupNorm;
  readonly conv3: StdConv2d;
  readonly norm3: nn.GroupNorm;
  readonly #shortcut: ((x: Tensor) => Tensor) | null = null;

  /** `project`: the stage's first block, whose shortcut is a strided 1×1 conv and norm. */
  constructor(inChannels: number, outChannels: number, midChannels: number, stride: number, project: boolean, layout: ResNetV2Layout) {
    super();
    const timm = layout === "timm";
    if (project && timm) {
      const downsample = this.registerModule("downsample", new DownsampleConv(inChannels, outChannels, stride));
      this.#shortcut = (x) => downsample.call(x);
    } else if (project) {
      const downsample = this.registerModule("downsample", layoutConv(layout, inChannels, outChannels, 1, stride));
      const gnProj = this.registerModule("gn_proj", new nn.GroupNorm(outChannels, outChannels));
      this.#shortcut = (x) => gnProj.call(downsample.call(x));
    }
    const norm = (channels: number) => new nn.GroupNorm(32, channels, { eps: LAYOUT_NUMERICS[layout].normEps });
    this.conv1 = this.registerModule("conv1", layoutConv(layout, inChannels, midChannels, 1));
    this.norm1 = this.registerModule(timm ? "norm1" : "gn1", norm(midChannels));
    this.conv2 = this.registerModule("conv2", layoutConv(layout, midChannels, midChannels, 3, stride));
    this.norm2 = this.registerModule(timm ? "norm2" : "gn2", norm(midChannels));
    this.conv3 = this.registerModule("conv3", layoutConv(layout, midChannels, outChannels, 1));
    this.norm3 = this.registerModule(timm ? "norm3" : "gn3", norm(outChannels));
  }

  forward(x: Tensor): Tensor {
    const shortcut = this.#shortcut ? this.#shortcut(x) : x;
    const y = this.norm1.call(this.conv1.call(x)).relu();
    const z = this.norm2.call(this.conv2.call(y)).relu();
    return this.norm3.call(this.conv3.call(z)).add(shortcut).relu();
  }
}
