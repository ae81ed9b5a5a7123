// A K-Net stage for thing and stuff kernels (the authors' KernelUpdateHead in their panoptic
// configs): the semantic stage (heads/kernel-update-head.ts) gathering under binary masks, plus a class
// branch on each updated kernel, cls_fcs (linear without bias, LayerNorm, ReLU) then fc_cls, whose
// logits are per class sigmoid scores (focal loss), no "no object" column. Keys as the authors'.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { KernelUpdateHead, type KernelUpdateHeadOptions } from "../../heads/kernel-update-head.js";

export interface ClassUpdateHeadOptions extends Omit<KernelUpdateHeadOptions, "maskActivation"> {
  numClasses: number;
  numClsFcs: number;
}

export class ClassUpdateHead extends KernelUpdateHead {
  readonly cls_fcs: nn.Sequential;
  readonly fc_cls: nn.Linear;

  constructor({ numClasses, numClsFcs, ...options }: ClassUpdateHeadOptions) {
    super({ ...options, maskActivation: "binary" });
    const c = options.channels;
    const fcs: nn.Module[] = [];
    for (let i = 0; i < numClsFcs; i++) fcs.push(new nn.Linear(c, c, { bias: false }), new nn.LayerNorm(c), new nn.ReLU());
    this.cls_fcs = this.registerModule("cls_fcs", new nn.Sequential(...fcs));
    this.fc_cls = this.registerModule("fc_cls", new nn.Linear(c, numClasses));
  }

  /** Class logits (B, N, K) of updated kernels (B, N, C). */
  classify(kernels: Tensor): Tensor {
    return this.fc_cls.call(this.cls_fcs.call(kernels));
  }
}
