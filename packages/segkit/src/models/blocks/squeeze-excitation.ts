// Squeeze-and-excitation (Hu et al. 2018) in torchvision's layout: avgpool, fc1, fc2 as 1×1 convs.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { activation, type Activation, type TensorModule } from "./conv-norm-act.js";

export class SqueezeExcitation extends nn.Module {
  readonly avgpool = this.registerModule("avgpool", new nn.AdaptiveAvgPool2d(1));
  readonly fc1: nn.Conv2d;
  readonly fc2: nn.Conv2d;
  readonly activation: nn.ReLU;
  readonly scale_activation: TensorModule;

  constructor(channels: number, squeezeChannels: number, { scale = "hardsigmoid" as Activation } = {}) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Conv2d(channels, squeezeChannels, 1));
    this.fc2 = this.registerModule("fc2", new nn.Conv2d(squeezeChannels, channels, 1));
    this.activation = this.registerModule("activation", new nn.ReLU());
    this.scale_activation = this.registerModule("scale_activation", activation(scale)!);
  }

  forward(x: Tensor): Tensor {
    const squeezed = this.fc2.call(this.activation.call(this.fc1.call(this.avgpool.call(x))));
    return x.mul(this.scale_activation.call(squeezed));
  }
}
