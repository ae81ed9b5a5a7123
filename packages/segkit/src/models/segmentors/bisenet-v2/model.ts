// BiSeNetV2 (Yu et al. 2021): a detail branch (wide, shallow, stride 8) and a semantic branch (narrow,
// deep, stride 32) merged by bilateral guided aggregation; auxiliary heads on the semantic stages
// during training (weight 1 each).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { resize, spatial } from "../../blocks/resize.js";
import { SegHead } from "../../blocks/seg-head.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { SemanticBranch } from "./semantic.js";
import { GuidedAggregation } from "./aggregation.js";

export interface BiSeNetV2Options extends Omit<SegmentorOptions, "divisor"> {
  detailChannels?: [number, number, number];
  semanticChannels?: [number, number, number, number];
  headChannels?: number;
}

export class BiSeNetV2 extends Segmentor {
  readonly detail: nn.Sequential;
  readonly semantic: SemanticBranch;
  readonly bga: GuidedAggregation;
  readonly head: SegHead;
  readonly aux_heads: nn.ModuleList<SegHead>;

  constructor({ detailChannels = [64, 64, 128], semanticChannels = [16, 32, 64, 128], headChannels = 1024, ...common }: BiSeNetV2Options) {
    super({ ...common, divisor: 32 });
    const [d1, d2, d3] = detailChannels;
    if (semanticChannels[3] !== d3) throw new RangeError(`BiSeNetV2: the last semantic width (${semanticChannels[3]}) must equal the last detail width (${d3})`);
    this.detail = this.registerModule("detail", new nn.Sequential(
      new ConvNormAct(3, d1, 3, { stride: 2 }), new ConvNormAct(d1, d1, 3),
      new ConvNormAct(d1, d2, 3, { stride: 2 }), new ConvNormAct(d2, d2, 3), new ConvNormAct(d2, d2, 3),
      new ConvNormAct(d2, d3, 3, { stride: 2 }), new ConvNormAct(d3, d3, 3), new ConvNormAct(d3, d3, 3)));
    this.semantic = this.registerModule("semantic", new SemanticBranch(semanticChannels));
    this.bga = this.registerModule("bga", new GuidedAggregation(d3));
    this.head = this.registerModule("head", new SegHead(d3, headChannels, this.numClasses));
    this.aux_heads = this.registerModule("aux_heads", new nn.ModuleList(semanticChannels.map((c) => new SegHead(c, 4 * c, this.numClasses))));
  }

  #run(x: Tensor): { logits: Tensor; stages: Tensor[] } {
    this.checkImage(x);
    const semantic = this.semantic.call(x);
    const fused = this.bga.call(this.detail.call(x), semantic[semantic.length - 1]);
    return { logits: resize(this.head.call(fused), spatial(x)), stages: semantic.slice(0, -1) };
  }

  forward(x: Tensor): Tensor {
    return this.#run(x).logits;
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const { logits, stages } = this.#run(x);
    const parts: Record<string, Tensor> = { "decode.loss": this.pixelLoss(logits, target) };
    stages.forEach((f, i) => (parts[`aux${i}.loss`] = this.pixelLoss(this.aux_heads.at(i).call(f), target)));
    return parts;
  }
}
