// BiSeNetV1 (Yu et al. 2018): a shallow wide spatial path (stride 8) and a ResNet context path whose
// stride-16 and stride-32 features pass attention refinement, plus global context, fused by the
// feature fusion module. Training adds auxiliary heads on the two context outputs (weight 1 each).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ResNet, type ResNetOptions } from "../../backbones/resnet/resnet.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { resize, spatial } from "../../blocks/resize.js";
import { SegHead } from "../../blocks/seg-head.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { AttentionRefinement, FeatureFusion } from "./attention.js";

export interface BiSeNetV1Options extends Omit<SegmentorOptions, "divisor"> {
  depth?: ResNetOptions["depth"];
  /** Width of the context path and of the spatial path's output. */
  contextChannels?: number;
  headChannels?: number;
}

export class BiSeNetV1 extends Segmentor {
  readonly spatial_path: nn.Sequential;
  readonly backbone: ResNet;
  readonly global_context: nn.Sequential;
  readonly arm16: AttentionRefinement;
  readonly arm32: AttentionRefinement;
  readonly conv_head16: ConvNormAct;
  readonly conv_head32: ConvNormAct;
  readonly ffm: FeatureFusion;
  readonly head: SegHead;
  readonly aux_heads: nn.ModuleList<SegHead>;

  constructor({ depth = 18, contextChannels = 128, headChannels = 256, ...common }: BiSeNetV1Options) {
    super({ ...common, divisor: 32 });
    const c = contextChannels;
    this.spatial_path = this.registerModule("spatial_path", new nn.Sequential(
      new ConvNormAct(3, 64, 7, { stride: 2 }), new ConvNormAct(64, 64, 3, { stride: 2 }),
      new ConvNormAct(64, 64, 3, { stride: 2 }), new ConvNormAct(64, c, 1)));
    this.backbone = this.registerModule("backbone", new ResNet({ depth }));
    const [, , c16, c32] = this.backbone.outChannels;
    this.global_context = this.registerModule("global_context", new nn.Sequential(new nn.AdaptiveAvgPool2d(1), ...new ConvNormAct(c32, c, 1)));
    this.arm16 = this.registerModule("arm16", new AttentionRefinement(c16, c));
    this.arm32 = this.registerModule("arm32", new AttentionRefinement(c32, c));
    this.conv_head16 = this.registerModule("conv_head16", new ConvNormAct(c, c, 3));
    this.conv_head32 = this.registerModule("conv_head32", new ConvNormAct(c, c, 3));
    this.ffm = this.registerModule("ffm", new FeatureFusion(2 * c, 2 * c));
    this.head = this.registerModule("head", new SegHead(2 * c, headChannels, this.numClasses));
    this.aux_heads = this.registerModule("aux_heads", new nn.ModuleList([0, 1].map(() => new SegHead(c, c >> 1, this.numClasses))));
  }

  /** The fused features' logits and the two context outputs (stride 8 and 16) for the auxiliary heads. */
  #run(x: Tensor): { logits: Tensor; context: Tensor[] } {
    this.checkImage(x);
    const sp = this.spatial_path.call(x);
    const features = this.backbone.call(x);
    const [f16, f32] = [features[2], features[3]];
    const up32 = resize(this.arm32.call(f32).add(this.global_context.call(f32)), spatial(f16));
    const head32 = this.conv_head32.call(up32);
    const up16 = resize(this.arm16.call(f16).add(head32), spatial(sp));
    const head16 = this.conv_head16.call(up16);
    const logits = resize(this.head.call(this.ffm.call(sp, head16)), spatial(x));
    return { logits, context: [head16, head32] };
  }

  forward(x: Tensor): Tensor {
    return this.#run(x).logits;
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const { logits, context } = this.#run(x);
    const parts: Record<string, Tensor> = { "decode.loss": this.pixelLoss(logits, target) };
    context.forEach((f, i) => (parts[`aux${i}.loss`] = this.pixelLoss(this.aux_heads.at(i).call(f), target)));
    return parts;
  }
}
