// STDC-Seg's context path (the authors' ContextPath, BiSeNet-style): the stride-32 features plus
// their global average, and the stride-16 features, each reweighted by attention refinement, are
// upsampled (nearest) and merged top-down into stride-16 and stride-8 context features.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../../blocks/conv-bn-act.js";
import { spatial } from "../../blocks/resize.js";
import { STDCNet } from "./stdc-net.js";

/** Attention refinement: 3×3 conv-BN-ReLU, scaled per channel by a pooled 1×1 conv-BN-sigmoid. */
export class AttentionRefinement extends nn.Module {
  readonly conv: ConvBnAct;
  readonly conv_atten: nn.Conv2d;
  readonly bn_atten: nn.BatchNorm2d;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new ConvBnAct(inChannels, outChannels, 3));
    this.conv_atten = this.registerModule("conv_atten", new nn.Conv2d(outChannels, outChannels, 1, { bias: false }));
    this.bn_atten = this.registerModule("bn_atten", new nn.BatchNorm2d(outChannels));
  }

  forward(x: Tensor): Tensor {
    const features = this.conv.call(x);
    const pooled = features.mean([2, 3], true);
    return features.mul(torch.sigmoid(this.bn_atten.call(this.conv_atten.call(pooled))));
  }
}

export interface ContextFeatures {
  /** The backbone's features at strides 2, 4, 8, 16 and 32. */
  features: Tensor[];
  /** Context at stride 8 (from the stride-16 branch) and at stride 16 (from the stride-32 branch). */
  context8: Tensor;
  context16: Tensor;
}

export class ContextPath extends nn.Module {
  readonly backbone: STDCNet;
  readonly arm16: AttentionRefinement;
  readonly arm32: AttentionRefinement;
  readonly conv_head32: ConvBnAct;
  readonly conv_head16: ConvBnAct;
  readonly conv_avg: ConvBnAct;

  constructor(backbone: STDCNet, channels: number) {
    super();
    this.backbone = this.registerModule("backbone", backbone);
    const [, , , c16, c32] = backbone.outChannels;
    this.arm16 = this.registerModule("arm16", new AttentionRefinement(c16, channels));
    this.arm32 = this.registerModule("arm32", new AttentionRefinement(c32, channels));
    this.conv_head32 = this.registerModule("conv_head32", new ConvBnAct(channels, channels, 3));
    this.conv_head16 = this.registerModule("conv_head16", new ConvBnAct(channels, channels, 3));
    this.conv_avg = this.registerModule("conv_avg", new ConvBnAct(c32, channels, 1));
  }

  forward(x: Tensor): ContextFeatures {
    const features = this.backbone.call(x);
    const [, , f8, f16, f32] = features;
    // The global average, broadcast over the stride-32 map (the authors' nearest upsampling of a 1×1 map).
    const global = this.conv_avg.call(f32.mean([2, 3], true));
    const sum32 = this.arm32.call(f32).add(global);
    const context16 = this.conv_head32.call(torch.upsampleNearest2d(sum32, spatial(f16)));
    const sum16 = this.arm16.call(f16).add(context16);
    const context8 = this.conv_head16.call(torch.upsampleNearest2d(sum16, spatial(f8)));
    return { features, context8, context16 };
  }
}
