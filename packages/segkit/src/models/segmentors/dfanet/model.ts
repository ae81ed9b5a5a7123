// DFANet (Li et al., CVPR 2019; Sec. 3, Fig. 3, Table 1): three Xception backbones in cascade.
// Network-level reuse: the first backbone's fc-attention output, upsampled 4×, joins its enc2 output as
// the next backbone's input. Feature-level reuse: each enc3/enc4 stage of a later backbone reads its
// own previous stage concatenated with the same stage of the backbone before. The decoder fuses the
// three enc2 outputs (low level) and the three fc-attention outputs (high level), each by a 1×1
// conv-BN-ReLU upsampled to enc2's stride 4, sums them, classifies and upsamples 4×. Backbone 1 starts
// with a 3×3 stride-2 conv of 8 channels; enc2/enc3/enc4 have 4/6/4 blocks (Table 1).
// Keys: "conv1", "backbones.N.enc2|enc3|enc4|fca", "low.N", "high.N", "classifier".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { FCAttention, xceptionStage } from "./xception.js";

export interface DFANetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** enc2, enc3, enc4 widths: Xception A 48, 96, 192; Xception B 32, 64, 128. */
  channels?: number[];
  /** Xception blocks in enc2, enc3, enc4 (Table 1: 4, 6, 4). */
  blocks?: number[];
  /** Width of the decoder's fusion (32). */
  decoderChannels?: number;
  /** Features of the fc-attention's fully connected layer (1000). */
  fcFeatures?: number;
  inChannels?: number;
}

export const DFANET_OPTIONS = ["channels", "blocks", "decoderChannels", "fcFeatures", "inChannels"];

/** One backbone of the cascade: enc2, enc3, enc4 and the fc attention. */
export class DFABackbone extends nn.Module {
  readonly enc2: nn.Sequential;
  readonly enc3: nn.Sequential;
  readonly enc4: nn.Sequential;
  readonly fca: FCAttention;

  /** `reuse`: the stages also read the previous backbone's (enc3, enc4 inputs widen by its enc3, enc4). */
  constructor(inChannels: number, [c2, c3, c4]: number[], [b2, b3, b4]: number[], reuse: boolean, fcFeatures: number) {
    super();
    this.enc2 = this.registerModule("enc2", xceptionStage(inChannels, c2, b2));
    this.enc3 = this.registerModule("enc3", xceptionStage(reuse ? c2 + c3 : c2, c3, b3));
    this.enc4 = this.registerModule("enc4", xceptionStage(reuse ? c3 + c4 : c3, c4, b4));
    this.fca = this.registerModule("fca", new FCAttention(c4, fcFeatures));
  }

  /** enc2, enc3, enc4 and fc-attention outputs; `previous` is the backbone before's (feature-level reuse). */
  forward(x: Tensor, previous: Tensor[] | null): Tensor[] {
    const e2 = this.enc2.call(x);
    const e3 = this.enc3.call(previous ? torch.cat([e2, previous[1]], 1) : e2);
    const e4 = this.enc4.call(previous ? torch.cat([e3, previous[2]], 1) : e3);
    return [e2, e3, e4, this.fca.call(e4)];
  }
}

export class DFANet extends Segmentor {
  readonly conv1: ConvNormAct;
  readonly backbones: nn.ModuleList<DFABackbone>;
  readonly low: nn.ModuleList<ConvNormAct>;
  readonly high: nn.ModuleList<ConvNormAct>;
  readonly classifier: nn.Conv2d;

  constructor({ channels = [48, 96, 192], blocks = [4, 6, 4], decoderChannels = 32, fcFeatures = 1000, inChannels = 3, ...common }: DFANetOptions) {
    super({ ...common, divisor: 64 });
    if (!Array.isArray(channels) || channels.length !== 3) throw new RangeError(`DFANet: channels must list the enc2, enc3 and enc4 widths, got ${JSON.stringify(channels)}`);
    checkWidth("DFANet", "channels", channels, { multipleOf: 4 });
    if (!Array.isArray(blocks) || blocks.length !== 3) throw new RangeError(`DFANet: blocks must list the enc2, enc3 and enc4 block counts, got ${JSON.stringify(blocks)}`);
    checkWidth("DFANet", "blocks", blocks);
    checkWidth("DFANet", "decoderChannels", decoderChannels);
    checkWidth("DFANet", "fcFeatures", fcFeatures);
    const [c2, , c4] = channels;
    this.conv1 = this.registerModule("conv1", new ConvNormAct(inChannels, 8, 3, { stride: 2 }));
    this.backbones = this.registerModule("backbones", new nn.ModuleList([0, 1, 2].map((n) => new DFABackbone(n === 0 ? 8 : c2 + c4, channels, blocks, n > 0, fcFeatures))));
    this.low = this.registerModule("low", new nn.ModuleList([0, 1, 2].map(() => new ConvNormAct(c2, decoderChannels, 1))));
    this.high = this.registerModule("high", new nn.ModuleList([0, 1, 2].map(() => new ConvNormAct(c4, decoderChannels, 1))));
    this.classifier = this.registerModule("classifier", new nn.Conv2d(decoderChannels, this.numClasses, 1));
  }

  /** Each backbone's enc2, enc3, enc4 and fc-attention outputs. */
  backboneOutputs(x: Tensor): Tensor[][] {
    this.checkImage(x);
    const outputs: Tensor[][] = [];
    let input = this.conv1.call(x);
    for (const [n, backbone] of [...this.backbones].entries()) {
      const previous = outputs[n - 1] ?? null;
      // Network-level reuse: the previous backbone's attended output, up 4×, beside its enc2 output.
      if (previous) input = torch.cat([resize(previous[3], spatial(previous[0])), previous[0]], 1);
      outputs.push(backbone.call(input, previous));
    }
    return outputs;
  }

  forward(x: Tensor): Tensor {
    const outputs = this.backboneOutputs(x);
    const size = spatial(outputs[0][0]);
    const fused = outputs.flatMap((o, n) => [resize(this.low.at(n).call(o[0]), size), resize(this.high.at(n).call(o[3]), size)])
      .reduce((sum, t) => sum.add(t));
    return resize(this.classifier.call(fused), spatial(x));
  }
}
