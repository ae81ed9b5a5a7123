// DeepLab v1, DeepLab-LargeFOV (Chen et al. 2015): the LargeFOV trunk (VGG-16, fc6 dilated by 12),
// fc8 a 1×1 classifier, the stride-8 logits bilinearly upsampled to the input. The fully connected
// CRF post-processing comes with the classical methods.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { LargeFOVTrunk, type LargeFOVOptions } from "./large-fov.js";

export type DeepLabV1Options = SegmentorOptions & LargeFOVOptions;

export class DeepLabV1 extends Segmentor {
  readonly trunk: LargeFOVTrunk;
  readonly fc8: nn.Conv2d;

  constructor({ widths, fcChannels, dropout, ...options }: DeepLabV1Options) {
    super(options);
    this.trunk = new LargeFOVTrunk({ widths, fcChannels, dropout });
    // The trunk's children sit at the top level ("features.*" with torchvision's VGG-16 indices, so
    // ImageNet weights load by name; "fc6", "fc7"), and train/eval reaches its dropout through them.
    for (const [name, child] of this.trunk.namedChildren()) this.registerModule(name, child);
    this.fc8 = this.registerModule("fc8", new nn.Conv2d(this.trunk.outChannels, options.numClasses, 1));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.fc8.call(this.trunk.call(x)), spatial(x));
  }
}
