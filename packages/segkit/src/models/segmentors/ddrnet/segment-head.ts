// The authors' segmentation head of DDRNet and PIDNet, pre-activation: BN-ReLU-3×3 conv, BN-ReLU,
// 1×1 conv with bias to the outputs (classes, or 1 for PIDNet's boundary head).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class SegmentHead extends nn.Module {
  readonly bn1: nn.BatchNorm2d;
  readonly conv1: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;

  constructor(inChannels: number, channels: number, outChannels: number) {
    super();
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(inChannels));
    this.conv1 = this.registerModule("conv1", new nn.Conv2d(inChannels, channels, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(channels));
    this.conv2 = this.registerModule("conv2", new nn.Conv2d(channels, outChannels, 1));
  }

  forward(x: Tensor): Tensor {
    const h = this.conv1.call(this.bn1.call(x).relu_());
    return this.conv2.call(this.bn2.call(h).relu_());
  }
}
