// A learnable scalar factor (mmcv's Scale, parameter "scale" of shape []): DANet's attention branches
// start at 0, so each begins as the identity and learns how much attention to add.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class Scale extends nn.Module {
  declare readonly scale: Tensor;

  constructor(initial = 1) {
    super();
    this.registerParameter("scale", torch.tensor(initial, { dtype: "float32" }));
  }

  forward(x: Tensor): Tensor {
    return x.mul(this.scale);
  }
}
