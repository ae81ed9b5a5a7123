// The Fast R-CNN box branch and the Mask R-CNN mask branch in torchvision's layout: TwoMLPHead (fc6,
// fc7), FastRCNNPredictor (cls_score, bbox_pred), MaskRCNNHeads (i.0: 3×3 conv + ReLU per layer) and
// MaskRCNNPredictor (conv5_mask: 2× transposed conv, ReLU, mask_fcn_logits).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class TwoMLPHead extends nn.Module {
  readonly fc6: nn.Linear;
  readonly fc7: nn.Linear;

  constructor(inChannels: number, representationSize: number) {
    super();
    this.fc6 = this.registerModule("fc6", new nn.Linear(inChannels, representationSize));
    this.fc7 = this.registerModule("fc7", new nn.Linear(representationSize, representationSize));
  }

  forward(x: Tensor): Tensor {
    return this.fc7.call(this.fc6.call(x.flatten(1)).relu()).relu();
  }
}

export class FastRCNNPredictor extends nn.Module {
  readonly cls_score: nn.Linear;
  readonly bbox_pred: nn.Linear;

  constructor(inChannels: number, numClasses: number) {
    super();
    this.cls_score = this.registerModule("cls_score", new nn.Linear(inChannels, numClasses));
    this.bbox_pred = this.registerModule("bbox_pred", new nn.Linear(inChannels, numClasses * 4));
  }

  /** Class logits (K, classes) and box deltas (K, 4·classes). */
  forward(x: Tensor): [Tensor, Tensor] {
    const flat = x.flatten(1);
    return [this.cls_score.call(flat), this.bbox_pred.call(flat)];
  }
}

export class MaskRCNNHeads extends nn.Sequential {
  constructor(inChannels: number, layers: number[], dilation = 1) {
    super();
    let channels = inChannels;
    for (const width of layers) {
      this.append(new nn.Sequential(new nn.Conv2d(channels, width, 3, { padding: dilation, dilation }), new nn.ReLU({ inplace: true })));
      channels = width;
    }
  }
}

export class MaskRCNNPredictor extends nn.Module {
  readonly conv5_mask: nn.ConvTranspose2d;
  readonly mask_fcn_logits: nn.Conv2d;

  constructor(inChannels: number, dimReduced: number, numClasses: number) {
    super();
    this.conv5_mask = this.registerModule("conv5_mask", new nn.ConvTranspose2d(inChannels, dimReduced, 2, { stride: 2 }));
    this.mask_fcn_logits = this.registerModule("mask_fcn_logits", new nn.Conv2d(dimReduced, numClasses, 1));
  }

  /** Mask logits (K, classes, 2S, 2S). */
  forward(x: Tensor): Tensor {
    return this.mask_fcn_logits.call(this.conv5_mask.call(x).relu());
  }
}
