// K-Net's iterative decode head (Zhang et al. 2021; mmsegmentation's IterativeDecodeHead): a kernel
// generating head (UPerHead in the knet-s3 configs) gives the features and the first logits, its
// classifier weights are the first class kernels, and each stage (KernelUpdateHead) refines kernels
// and logits. Inference returns the last stage's logits; training applies the head's loss to every
// stage's, weight 1 each (mmseg's loss_by_feat, "loss.sN").
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, register, type Config } from "../../config/registry.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { KernelUpdateHead, type KernelUpdateHeadOptions } from "./kernel-update-head.js";
import "./uper-head.js";

/** A decode head whose features before the classifier, and classifier weights, are readable. */
export interface KernelGenerateHead extends DecodeHead {
  readonly channels: number;
  decodeFeatures(features: Tensor[]): Tensor;
}

export interface KNetHeadOptions extends HeadOptions, Partial<Omit<KernelUpdateHeadOptions, "channels">> {
  inChannels: number[];
  /** The kernel generating head's config (default UPerHead); numClasses and inChannels come from this head. */
  generateHead?: Config;
  numStages?: number;
}

export class KNetHead extends DecodeHead {
  readonly kernel_generate_head: KernelGenerateHead;
  readonly kernel_update_head: nn.ModuleList<KernelUpdateHead>;

  constructor(options: KNetHeadOptions) {
    super(options, options.inChannels.map((_, i) => i));
    const { numClasses, ignoreIndex, inChannels, generateHead = { type: "uper", channels: 512 }, numStages = 3 } = options;
    this.kernel_generate_head = this.registerModule("kernel_generate_head",
      build<KernelGenerateHead>("head", { ...generateHead, numClasses, ignoreIndex, inChannels, inIndex: this.inIndex }, "knet.generateHead"));
    const stage: KernelUpdateHeadOptions = {
      channels: this.kernel_generate_head.channels, updatorChannels: options.updatorChannels ?? 256, numHeads: options.numHeads ?? 8,
      feedforwardChannels: options.feedforwardChannels ?? 2048, numMaskFcs: options.numMaskFcs ?? 1,
    };
    this.kernel_update_head = this.registerModule("kernel_update_head",
      new nn.ModuleList(Array.from({ length: numStages }, () => new KernelUpdateHead(stage))));
  }

  /** Every stage's logits at the features' stride: the generating head's, then each update's. */
  stages(features: Tensor[]): Tensor[] {
    const generator = this.kernel_generate_head;
    const x = generator.decodeFeatures(features);
    let logits = generator.classify(x);
    let kernels = generator.classifierWeight.flatten(1).unsqueeze(0).expand([x.shape[0], -1, -1]);
    const out = [logits];
    for (const stage of this.kernel_update_head) {
      [logits, kernels] = stage.call(x, kernels, logits);
      out.push(logits);
    }
    return out;
  }

  forward(features: Tensor[]): Tensor {
    return this.stages(features).at(-1)!;
  }

  override trainLoss(features: Tensor[], target: Tensor): Record<string, Tensor> {
    return Object.fromEntries(this.stages(features).map((logits, i) => [`${this.name}.loss.s${i}`, this.weightedLoss(logits, target)]));
  }
}

register<DecodeHead>("head", "knet", {
  options: [...HEAD_CONFIG_OPTIONS, "generateHead", "numStages", "updatorChannels", "numHeads", "feedforwardChannels", "numMaskFcs"],
  summary: "K-Net: kernel generating head (UPerHead) + iterative kernel update stages",
  build: (o) => new KNetHead(o as never),
});
