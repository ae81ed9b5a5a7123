// DDRNet-23 (Hong et al. 2021, "Deep Dual-resolution Networks for Real-time and Accurate Semantic
// Segmentation of Road Scenes"): a ResNet trunk splits after stride 8 into a high-resolution branch
// (kept at stride 8) and a low-resolution one (strides 16, 32, 64); two bilateral fusions exchange
// them (low → high by 1×1 conv and upsampling, high → low by strided 3×3 convs); DAPPM on the
// stride-64 features; the head reads their sum at stride 8. In training an auxiliary head on the
// high branch after the first fusion adds its loss at weight 0.4 (the paper's α).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { BasicBlock, Bottleneck, residualStage } from "./residual.js";
import { DAPPM } from "./pyramid-pooling.js";
import { SegmentHead } from "./segment-head.js";
import { convBn, dualResolutionStem } from "./layers.js";
import { checkWidth } from "../../blocks/check-width.js";
import { initConvs } from "./init.js";

export interface DDRNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Trunk width (32 for 23-slim, 64 for 23); the high branch has 2×, the low branch up to 16×. */
  planes: number;
  /** DAPPM branch width (128) and head width (64 for 23-slim, 128 for 23). */
  sppPlanes: number;
  headPlanes: number;
}

/** Stride-8 logits of the main head and of the auxiliary one. */
export interface DDRNetOutputs {
  logits: Tensor;
  aux: Tensor;
}

const AUX_WEIGHT = 0.4;

export class DDRNet extends Segmentor {
  readonly conv1: nn.Sequential;
  readonly layer1: nn.Sequential;
  readonly layer2: nn.Sequential;
  readonly layer3: nn.Sequential;
  readonly layer4: nn.Sequential;
  readonly layer5: nn.Sequential;
  readonly layer3_: nn.Sequential;
  readonly layer4_: nn.Sequential;
  readonly layer5_: nn.Sequential;
  readonly compression3: nn.Sequential;
  readonly compression4: nn.Sequential;
  readonly down3: nn.Sequential;
  readonly down4: nn.Sequential;
  readonly spp: DAPPM;
  readonly final_layer: SegmentHead;
  readonly seghead_extra: SegmentHead;

  constructor({ planes, sppPlanes, headPlanes, ...common }: DDRNetOptions) {
    super(common);
    checkWidth("DDRNet", "planes", planes);
    checkWidth("DDRNet", "sppPlanes", sppPlanes);
    checkWidth("DDRNet", "headPlanes", headPlanes);
    const high = 2 * planes;
    this.conv1 = this.registerModule("conv1", dualResolutionStem(planes));
    this.layer1 = this.registerModule("layer1", residualStage(BasicBlock, planes, planes, 2));
    this.layer2 = this.registerModule("layer2", residualStage(BasicBlock, planes, 2 * planes, 2, 2));
    this.layer3 = this.registerModule("layer3", residualStage(BasicBlock, 2 * planes, 4 * planes, 2, 2));
    this.layer4 = this.registerModule("layer4", residualStage(BasicBlock, 4 * planes, 8 * planes, 2, 2));
    this.layer5 = this.registerModule("layer5", residualStage(Bottleneck, 8 * planes, 8 * planes, 1, 2));
    this.layer3_ = this.registerModule("layer3_", residualStage(BasicBlock, 2 * planes, high, 2));
    this.layer4_ = this.registerModule("layer4_", residualStage(BasicBlock, high, high, 2));
    this.layer5_ = this.registerModule("layer5_", residualStage(Bottleneck, high, high, 1));
    this.compression3 = this.registerModule("compression3", new nn.Sequential(...convBn(4 * planes, high, 1)));
    this.compression4 = this.registerModule("compression4", new nn.Sequential(...convBn(8 * planes, high, 1)));
    this.down3 = this.registerModule("down3", new nn.Sequential(...convBn(high, 4 * planes, 3, 2)));
    this.down4 = this.registerModule("down4", new nn.Sequential(
      ...convBn(high, 4 * planes, 3, 2), new nn.ReLU(), ...convBn(4 * planes, 8 * planes, 3, 2)));
    this.spp = this.registerModule("spp", new DAPPM(16 * planes, sppPlanes, 4 * planes));
    this.final_layer = this.registerModule("final_layer", new SegmentHead(4 * planes, headPlanes, this.numClasses));
    this.seghead_extra = this.registerModule("seghead_extra", new SegmentHead(high, headPlanes, this.numClasses));
    initConvs(this);
  }

  /**
   * Both heads' logits at stride 8. The authors size the high branch as ⌊H/8⌋ × ⌊W/8⌋, which needs
   * H and W multiples of 8; here it is the stem's own output size, so any size works (same result
   * on multiples of 8).
   */
  heads(x: Tensor): DDRNetOutputs {
    const { logits, afterFirstFusion } = this.#run(x);
    return { logits, aux: this.seghead_extra.call(afterFirstFusion) };
  }

  forward(x: Tensor): Tensor {
    return resize(this.#run(x).logits, spatial(x));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const { logits, aux } = this.heads(x);
    return { "decode.loss": this.pixelLoss(logits, target), "aux0.loss": this.pixelLoss(aux, target).mul(AUX_WEIGHT) };
  }

  /** The main logits and the high branch after the first fusion (the auxiliary head's input). */
  #run(x: Tensor): { logits: Tensor; afterFirstFusion: Tensor } {
    this.checkImage(x);
    const l2 = this.layer2.call(this.layer1.call(this.conv1.call(x)).relu());
    let high = this.layer3_.call(l2.relu());
    const size = spatial(high);
    const l3 = this.layer3.call(l2.relu());
    let low = l3.add(this.down3.call(high.relu()));
    high = high.add(resize(this.compression3.call(l3.relu()), size));
    const afterFirstFusion = high;
    const l4 = this.layer4.call(low.relu());
    high = this.layer4_.call(high.relu());
    low = l4.add(this.down4.call(high.relu()));
    high = high.add(resize(this.compression4.call(l4.relu()), size));
    high = this.layer5_.call(high.relu());
    low = resize(this.spp.call(this.layer5.call(low.relu())), size);
    return { logits: this.final_layer.call(low.add(high)), afterFirstFusion };
  }
}
