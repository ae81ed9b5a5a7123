// YOLACT's prediction module as yolact_base shares it across levels (yolact.py PredictionModule with
// extra_head_net and no DSSD block): a ReLU'd 3×3 conv, then 3×3 convs giving per prior 4 box
// regressions, C class logits and K mask coefficients (tanh), flattened cell by cell.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Per image, per prior: box regressions (B, P, 4), class logits (B, P, C), mask coefficients (B, P, K). */
export interface HeadOutputs {
  loc: Tensor;
  conf: Tensor;
  mask: Tensor;
}

export class YolactPredictionHead extends nn.Module {
  readonly upfeature: nn.Sequential;
  readonly bbox_layer: nn.Conv2d;
  readonly conf_layer: nn.Conv2d;
  readonly mask_layer: nn.Conv2d;

  constructor(channels: number, readonly numPriors: number, readonly numClasses: number, readonly maskDim: number) {
    super();
    this.upfeature = this.registerModule("upfeature", new nn.Sequential(new nn.Conv2d(channels, channels, 3, { padding: 1 }), new nn.ReLU({ inplace: true })));
    this.bbox_layer = this.registerModule("bbox_layer", new nn.Conv2d(channels, numPriors * 4, 3, { padding: 1 }));
    this.conf_layer = this.registerModule("conf_layer", new nn.Conv2d(channels, numPriors * numClasses, 3, { padding: 1 }));
    this.mask_layer = this.registerModule("mask_layer", new nn.Conv2d(channels, numPriors * maskDim, 3, { padding: 1 }));
  }

  forward(x: Tensor): HeadOutputs {
    return torch.tidy(() => {
      const f = this.upfeature.forward(x) as Tensor;
      const flat = (t: Tensor, last: number): Tensor => t.permute([0, 2, 3, 1]).reshape([x.shape[0], -1, last]);
      return {
        loc: flat(this.bbox_layer.forward(f), 4),
        conf: flat(this.conf_layer.forward(f), this.numClasses),
        mask: flat(this.mask_layer.forward(f), this.maskDim).tanh(),
      };
    });
  }
}
