// Fast-SCNN's encoder (Poudel et al. 2019), as mmsegmentation's FastSCNN backbone: learning to
// downsample (a conv and two depthwise-separable convs, stride 8), the global feature extractor
// (MobileNetV2 blocks to stride 32, pyramid pooling), and feature fusion of the two resolutions.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { ConvBnAct } from "../../blocks/conv-bn-act.js";
import { PyramidPooling } from "../../blocks/pyramid-pooling.js";
import { resize, spatial } from "../../blocks/resize.js";
import { convModule, depthwiseSeparableConv, InvertedResidual } from "./blocks.js";
import type { DepthwiseSeparableConvModule } from "../../blocks/depthwise-separable-conv-module.js";

export class LearningToDownsample extends nn.Module {
  readonly conv: ConvBnAct;
  readonly dsconv1: DepthwiseSeparableConvModule;
  readonly dsconv2: DepthwiseSeparableConvModule;

  constructor([c1, c2, out]: number[]) {
    super();
    this.conv = this.registerModule("conv", convModule(3, c1, 3, { stride: 2 }));
    this.dsconv1 = this.registerModule("dsconv1", depthwiseSeparableConv(c1, c2, 2));
    this.dsconv2 = this.registerModule("dsconv2", depthwiseSeparableConv(c2, out, 2));
  }

  forward(x: Tensor): Tensor {
    return this.dsconv2.call(this.dsconv1.call(this.conv.call(x)));
  }
}

/** Three groups of three MobileNetV2 blocks (strides 2, 2, 1), pyramid pooling, a 3×3 conv over both. */
export class GlobalFeatureExtractor extends nn.Module {
  readonly bottleneck1: nn.Sequential;
  readonly bottleneck2: nn.Sequential;
  readonly bottleneck3: nn.Sequential;
  readonly ppm: PyramidPooling;
  readonly out: ConvBnAct;

  constructor(inChannels: number, [b1, b2, b3]: number[], outChannels: number) {
    super();
    const group = (from: number, to: number, stride: number): nn.Sequential =>
      new nn.Sequential(new InvertedResidual(from, to, stride), new InvertedResidual(to, to, 1), new InvertedResidual(to, to, 1));
    this.bottleneck1 = this.registerModule("bottleneck1", group(inChannels, b1, 2));
    this.bottleneck2 = this.registerModule("bottleneck2", group(b1, b2, 2));
    this.bottleneck3 = this.registerModule("bottleneck3", group(b2, b3, 1));
    this.ppm = this.registerModule("ppm", new PyramidPooling(b3, b3 >> 2, [1, 2, 3, 6], (i, c) => [convModule(i, c, 1)]));
    this.out = this.registerModule("out", convModule(b3 * 2, outChannels, 3));
  }

  forward(x: Tensor): Tensor {
    const h = this.bottleneck3.call(this.bottleneck2.call(this.bottleneck1.call(x)));
    return this.out.call(torch.cat(this.ppm.pyramid(h), 1));
  }
}

/** The low-resolution features upsampled, a depthwise 3×3 conv-BN-ReLU and 1×1 conv-BN, added to the high-resolution ones' 1×1 conv-BN, ReLU. */
export class FeatureFusion extends nn.Module {
  readonly dwconv: ConvBnAct;
  readonly conv_lower_res: ConvBnAct;
  readonly conv_higher_res: ConvBnAct;

  constructor(higherChannels: number, lowerChannels: number, outChannels: number) {
    super();
    this.dwconv = this.registerModule("dwconv", convModule(lowerChannels, outChannels, 3, { groups: outChannels }));
    this.conv_lower_res = this.registerModule("conv_lower_res", convModule(outChannels, outChannels, 1, { act: null }));
    this.conv_higher_res = this.registerModule("conv_higher_res", convModule(higherChannels, outChannels, 1, { act: null }));
  }

  forward(higher: Tensor, lower: Tensor): Tensor {
    const low = this.conv_lower_res.call(this.dwconv.call(resize(lower, spatial(higher))));
    return torch.relu(this.conv_higher_res.call(higher).add(low));
  }
}

export interface FastSCNNEncoderOptions {
  /** Learning to downsample: first conv, first separable conv, output (= global input). */
  downsampleChannels: number[];
  /** The global feature extractor's three groups. */
  globalChannels: number[];
  /** Global output, fusion output. */
  channels: number;
}

export class FastSCNNEncoder extends nn.Module {
  readonly learning_to_downsample: LearningToDownsample;
  readonly global_feature_extractor: GlobalFeatureExtractor;
  readonly feature_fusion: FeatureFusion;

  constructor({ downsampleChannels, globalChannels, channels }: FastSCNNEncoderOptions) {
    super();
    const higher = downsampleChannels[2];
    this.learning_to_downsample = this.registerModule("learning_to_downsample", new LearningToDownsample(downsampleChannels));
    this.global_feature_extractor = this.registerModule("global_feature_extractor", new GlobalFeatureExtractor(higher, globalChannels, channels));
    this.feature_fusion = this.registerModule("feature_fusion", new FeatureFusion(higher, channels, channels));
  }

  /** [high-resolution features (stride 8), global features (stride 32), fused (stride 8)], mmsegmentation's out_indices (0, 1, 2). */
  forward(x: Tensor): Tensor[] {
    const higher = this.learning_to_downsample.call(x);
    const lower = this.global_feature_extractor.call(higher);
    return [higher, lower, this.feature_fusion.call(higher, lower)];
  }
}
