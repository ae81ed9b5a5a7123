// SegFormer's all-MLP decode head (Xie et al. 2021, §3.2): each stage's features go through a Linear
// to a common width, are upsampled to stride 4 and concatenated deepest first; a 1×1 conv + BN + ReLU
// fuses them and a 1×1 conv classifies. Keys as Hugging Face's SegformerDecodeHead: "linear_c.i.proj",
// "linear_fuse", "batch_norm", "classifier".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { DecodeHead, type HeadOptions } from "../../heads/decode-head.js";

/** A per-token Linear over a feature map ("proj"). */
class LinearEmbedding extends nn.Module {
  readonly proj: nn.Linear;

  constructor(inChannels: number, channels: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Linear(inChannels, channels));
  }

  forward(x: Tensor): Tensor {
    return toFeatureMap(this.proj.call(toTokens(x)), spatial(x));
  }
}

export interface SegFormerHeadOptions extends HeadOptions {
  /** Channels of the four backbone stages. */
  inChannels: number[];
  /** The common width (256 for B0/B1, 768 for B2–B5). */
  channels: number;
  dropoutRatio?: number;
}

export class SegFormerHead extends DecodeHead {
  readonly linear_c: nn.ModuleList<LinearEmbedding>;
  readonly linear_fuse: nn.Conv2d;
  readonly batch_norm: nn.BatchNorm2d;
  readonly activation: nn.ReLU;
  readonly dropout: nn.Dropout2d;
  readonly classifier: nn.Conv2d;

  constructor({ inChannels, channels, dropoutRatio = 0.1, ...options }: SegFormerHeadOptions) {
    super(options, inChannels.map((_, i) => i));
    this.linear_c = this.registerModule("linear_c", new nn.ModuleList(inChannels.map((c) => new LinearEmbedding(c, channels))));
    this.linear_fuse = this.registerModule("linear_fuse", new nn.Conv2d(channels * inChannels.length, channels, 1, { bias: false }));
    this.batch_norm = this.registerModule("batch_norm", new nn.BatchNorm2d(channels));
    this.activation = this.registerModule("activation", new nn.ReLU());
    this.dropout = this.registerModule("dropout", new nn.Dropout2d(dropoutRatio));
    this.classifier = this.registerModule("classifier", new nn.Conv2d(channels, this.numClasses, 1));
  }

  forward(features: Tensor[]): Tensor {
    const inputs = this.inputs(features);
    const size = spatial(inputs[0]);
    const embedded = inputs.map((f, i) => resize(this.linear_c.at(i).call(f), size));
    const fused = this.activation.call(this.batch_norm.call(this.linear_fuse.call(torch.cat(embedded.reverse(), 1))));
    return this.classifier.call(this.dropout.call(fused));
  }
}
