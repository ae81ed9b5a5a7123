// Y-Net (Mehta et al., "Y-Net: Joint Segmentation and Classification for Diagnosis of Breast Biopsy
// Images", MICCAI 2018; Fig. 1 and 2): an encoder–decoder segmentation network whose encoder output
// also feeds a classification branch, trained jointly on the sum of the segmentation loss and an
// image-level classification loss. The paper's encoder is built of residual (or ESP) blocks and its
// image label is a diagnosis; here the segmentation network is the classic U-Net (keys as "unet"),
// the branch is a 3×3 conv-BN-ReLU on the bottleneck, global average pooling and a linear layer
// ("cls_branch", "cls_fc"), and since datasets label pixels only, the image-level target is which
// classes the image contains (multi-label binary cross-entropy, as EncNet's semantic-encoding loss).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { classesPresent } from "../../../losses/classes-present.js";
import { UNet, type UNetOptions } from "../unet/model.js";

export interface YNetOptions extends Omit<UNetOptions, "attention"> {
  /** Weight of the classification loss in the sum (1: the paper adds the two losses). */
  classLossWeight?: number;
}

export class YNet extends UNet {
  readonly cls_branch: ConvNormAct;
  readonly cls_fc: nn.Linear;
  readonly #classLossWeight: number;

  constructor({ classLossWeight = 1, ...options }: YNetOptions) {
    super(options);
    if (!(Number.isFinite(classLossWeight) && classLossWeight >= 0)) throw new RangeError(`YNet: classLossWeight must be a finite number ≥ 0, got ${classLossWeight}`);
    this.#classLossWeight = classLossWeight;
    const width = this.bottleneckChannels;
    this.cls_branch = this.registerModule("cls_branch", new ConvNormAct(width, width, 3));
    this.cls_fc = this.registerModule("cls_fc", new nn.Linear(width, this.numClasses));
  }

  /** Segmentation logits (N, numClasses, H, W) and image-level logits (N, numClasses): which classes the image holds. */
  outputs(x: Tensor): [Tensor, Tensor] {
    const maps = this.encode(x);
    const pooled = this.cls_branch.call(maps.at(-1)!).mean([2, 3]);
    return [this.head.call(this.decode(maps)), this.cls_fc.call(pooled)];
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const [logits, classLogits] = this.outputs(x);
    const present = classesPresent(target, this.numClasses);
    const classLoss = torch.binaryCrossEntropyWithLogits(classLogits, present, null, null, 1).mul(this.#classLossWeight);
    return { "decode.loss": this.pixelLoss(logits, target), "cls.loss": classLoss };
  }
}
