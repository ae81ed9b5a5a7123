// ResNet residual blocks in torchvision's layout (conv1/bn1/conv2/bn2[/conv3/bn3], downsample.0/1).
// Unlike torchvision, BasicBlock accepts dilation, as segmentation backbones need it: on its first 3×3
// conv only, as mmsegmentation's BasicBlock (mmseg/models/backbones/resnet.py) does, so its dilated
// ResNet-18/34 checkpoints (pspnet_r18-d8, ...) compute here what they computed there.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface BlockOptions {
  stride: number;
  dilation: number;
  /** 1×1 conv + BN matching the shortcut to the block's output, when shape changes. */
  downsample: nn.Sequential | null;
}

abstract class ResidualBlock extends nn.Module {
  readonly relu = this.registerModule("relu", new nn.ReLU());
  #downsample: nn.Sequential | null = null;

  protected setDownsample(downsample: nn.Sequential | null): void {
    if (downsample) this.#downsample = this.registerModule("downsample", downsample);
  }

  protected abstract residual(x: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    const identity = this.#downsample ? this.#downsample.call(x) : x;
    return this.relu.call(this.residual(x).add_(identity));
  }
}

const conv3x3 = (cin: number, cout: number, stride: number, dilation: number): nn.Conv2d =>
  new nn.Conv2d(cin, cout, 3, { stride, padding: dilation, dilation, bias: false });

export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;

  constructor(inPlanes: number, planes: number, { stride, dilation, downsample }: BlockOptions) {
    super();
    this.conv1 = this.registerModule("conv1", conv3x3(inPlanes, planes, stride, dilation));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", conv3x3(planes, planes, 1, 1));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(planes));
    this.setDownsample(downsample);
  }

  protected residual(x: Tensor): Tensor {
    const h = this.relu.call(this.bn1.call(this.conv1.call(x)));
    return this.bn2.call(this.conv2.call(h));
  }
}

/** 1×1 reduce, 3×3 (strided, dilated), 1×1 expand ×4: torchvision's v1.5 puts the stride on the 3×3. */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv3: nn.Conv2d;
  readonly bn3: nn.BatchNorm2d;

  constructor(inPlanes: number, planes: number, { stride, dilation, downsample }: BlockOptions) {
    super();
    this.conv1 = this.registerModule("conv1", new nn.Conv2d(inPlanes, planes, 1, { bias: false }));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", conv3x3(planes, planes, stride, dilation));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(planes));
    this.conv3 = this.registerModule("conv3", new nn.Conv2d(planes, planes * 4, 1, { bias: false }));
    this.bn3 = this.registerModule("bn3", new nn.BatchNorm2d(planes * 4));
    this.setDownsample(downsample);
  }

  protected residual(x: Tensor): Tensor {
    const h1 = this.relu.call(this.bn1.call(this.conv1.call(x)));
    const h2 = this.relu.call(this.bn2.call(this.conv2.call(h1)));
    return this.bn3.call(this.conv3.call(h2));
  }
}

export type BlockClass = (typeof BasicBlock | typeof Bottleneck);
