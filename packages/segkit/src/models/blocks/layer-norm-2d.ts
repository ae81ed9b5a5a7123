// LayerNorm over the channels of each pixel of a feature map (B, C, H, W), computed in place on the
// map (ConvNeXt's and SAM's LayerNorm2d: keys weight, bias; eps 1e-6 by default).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class LayerNorm2d extends nn.Module {
  declare readonly weight: Tensor;
  declare readonly bias: Tensor;

  constructor(readonly channels: number, readonly eps = 1e-6) {
    super();
    this.registerParameter("weight", torch.ones([channels]));
    this.registerParameter("bias", torch.zeros([channels]));
  }

  forward(x: Tensor): Tensor {
    const centred = x.sub(x.mean([1], true));
    const normed = centred.div(centred.pow(2).mean([1], true).add(this.eps).sqrt());
    return normed.mul(this.weight.reshape([-1, 1, 1])).add(this.bias.reshape([-1, 1, 1]));
  }
}
