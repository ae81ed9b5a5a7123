// RefineNet's two units, keys as the authors' utils/layer_factory.py (refinenet-pytorch and
// light-weight-refinenet): the residual conv unit (RCUBlock: blocks of ReLU → 3×3 conv twice plus the
// block's input; "{b}_conv" with a bias, "{b}_conv_relu_varout_dimred" without) and chained residual
// pooling (CRPBlock: a chain of 5×5 stride-1 max-pools each followed by a conv, every link's output
// added to the input; "{i}_outvar_dimred", 3×3 in RefineNet, 1×1 in Light-Weight RefineNet).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class ResidualConvUnit extends nn.Module {
  /** #convs[b] holds block b's two convs. */
  readonly #convs: [nn.Conv2d, nn.Conv2d][] = [];

  constructor(channels: number, blocks: number) {
    super();
    for (let b = 1; b <= blocks; b++) {
      this.#convs.push([
        this.registerModule(`${b}_conv`, new nn.Conv2d(channels, channels, 3, { padding: 1, bias: true })),
        this.registerModule(`${b}_conv_relu_varout_dimred`, new nn.Conv2d(channels, channels, 3, { padding: 1, bias: false })),
      ]);
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const [first, second] of this.#convs) h = second.call(torch.relu(first.call(torch.relu(h)))).add(h);
    return h;
  }
}

export class ChainedResidualPooling extends nn.Module {
  readonly #convs: nn.Conv2d[] = [];

  constructor(channels: number, stages: number, kernelSize: 1 | 3) {
    super();
    for (let i = 1; i <= stages; i++) {
      this.#convs.push(this.registerModule(`${i}_outvar_dimred`, new nn.Conv2d(channels, channels, kernelSize, { padding: kernelSize >> 1, bias: false })));
    }
  }

  forward(x: Tensor): Tensor {
    let top = x;
    let sum = x;
    for (const conv of this.#convs) {
      top = conv.call(torch.maxPool2d(top, [5, 5], [1, 1], [2, 2]));
      sum = sum.add(top);
    }
    return sum;
  }
}
