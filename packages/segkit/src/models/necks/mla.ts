// SETR's multi-level feature aggregation neck (mmsegmentation's MLANeck, its key names): a LayerNorm
// per input token map ("norm.i"), 1×1 conv-BN-ReLU projections ("mla.channel_proj.i"), a top-down
// running sum from the deepest input, and a 3×3 conv-BN-ReLU on each sum ("mla.feat_extract.i").
// Outputs come deepest first, as in the reference.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { checkWidth } from "../blocks/check-width.js";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { normTokens } from "../blocks/token-norm.js";
import type { Neck } from "../segmentors/encoder-decoder/model.js";

export interface MLANeckOptions {
  inChannels: number[];
  outChannels?: number;
}

class MLAModule extends nn.Module {
  readonly channel_proj: nn.ModuleList<ConvBnAct>;
  readonly feat_extract: nn.ModuleList<ConvBnAct>;

  constructor(inChannels: number[], outChannels: number) {
    super();
    this.channel_proj = this.registerModule("channel_proj", new nn.ModuleList(inChannels.map((c) => new ConvBnAct(c, outChannels, 1))));
    this.feat_extract = this.registerModule("feat_extract", new nn.ModuleList(inChannels.map(() => new ConvBnAct(outChannels, outChannels, 3))));
  }

  forward(inputs: Tensor[]): Tensor[] {
    const projected = [...this.channel_proj].map((conv, i) => conv.call(inputs[i])).reverse();
    const sums: Tensor[] = [];
    for (const p of projected) sums.push(sums.length === 0 ? p : sums[sums.length - 1].add(p));
    return [...this.feat_extract].map((conv, i) => conv.call(sums[i]));
  }
}

export class MLANeck extends nn.Module implements Neck {
  readonly norm: nn.ModuleList<nn.LayerNorm>;
  readonly mla: MLAModule;
  readonly outChannels: number[];

  constructor({ inChannels, outChannels = 256 }: MLANeckOptions) {
    super();
    checkWidth("MLANeck", "inChannels", inChannels);
    checkWidth("MLANeck", "outChannels", outChannels);
    this.norm = this.registerModule("norm", new nn.ModuleList(inChannels.map((c) => new nn.LayerNorm(c, { eps: 1e-6 }))));
    this.mla = this.registerModule("mla", new MLAModule(inChannels, outChannels));
    this.outChannels = inChannels.map(() => outChannels);
  }

  forward(features: Tensor[]): Tensor[] {
    if (features.length !== this.norm.length) throw new RangeError(`MLANeck: expected ${this.norm.length} feature maps, got ${features.length}`);
    return this.mla.call([...this.norm].map((norm, i) => normTokens(norm, features[i])));
  }
}

register<Neck>("neck", "mla", { options: ["inChannels", "outChannels"], summary: "SETR's multi-level feature aggregation (mmsegmentation's MLANeck keys)", build: (o) => new MLANeck(o as never) });
