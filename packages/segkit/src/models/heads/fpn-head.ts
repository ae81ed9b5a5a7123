// Semantic FPN head (Kirillov et al. 2019): each pyramid level goes through 3×3 conv-BN-ReLU +
// 2× upsampling steps until stride 4 (one conv for the finest), the levels are summed, then classified.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { resize, spatial } from "../blocks/resize.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface FPNHeadOptions extends HeadOptions {
  inChannels: number[];
  /** Stride of each input level (e.g. 4, 8, 16, 32). */
  strides: number[];
  channels?: number;
  /** Default 0.1; 0 for none (mmseg's -1, as its PointRend config has it). */
  dropoutRatio?: number;
}

class Upsample2x extends nn.Module {
  forward(x: Tensor): Tensor {
    return resize(x, spatial(x).map((n) => n * 2));
  }
}

export class FPNHead extends DecodeHead {
  readonly scale_heads: nn.ModuleList<nn.Sequential>;

  constructor(options: FPNHeadOptions) {
    super(options, options.inChannels.map((_, i) => i));
    const channels = options.channels ?? 128;
    const finest = Math.min(...options.strides);
    this.scale_heads = this.registerModule("scale_heads", new nn.ModuleList(options.inChannels.map((c, i) => {
      const steps = Math.max(1, Math.round(Math.log2(options.strides[i] / finest)));
      const head = new nn.Sequential();
      for (let s = 0; s < steps; s++) {
        head.append(new ConvNormAct(s === 0 ? c : channels, channels, 3));
        if (options.strides[i] !== finest) head.append(new Upsample2x());
      }
      return head;
    })));
    this.addClassifier(channels, options.dropoutRatio ?? 0.1);
  }

  forward(features: Tensor[]): Tensor {
    const levels = this.inputs(features).map((f, i) => this.scale_heads.at(i).call(f));
    const size = spatial(levels[0]);
    return this.classify(levels.slice(1).reduce((sum, l) => sum.add(resize(l, size)), levels[0]));
  }
}

register<DecodeHead>("head", "fpn", { options: [...HEAD_CONFIG_OPTIONS, "strides", "dropoutRatio"], summary: "Semantic FPN head", build: (o) => new FPNHead(o as never) });
