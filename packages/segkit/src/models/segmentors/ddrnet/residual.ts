// The residual units DDRNet and PIDNet stack, in the authors' layout (conv1/bn1/conv2/bn2[/conv3/bn3],
// downsample.0/1). Unlike torchvision's ResNet blocks, a unit may end without ReLU (the last unit of
// a stage feeds a fusion that adds before activating) and the bottleneck widens ×2, not ×4.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

interface UnitOptions {
  stride?: number;
  /** ReLU after the residual sum (BasicBlock: yes by default; Bottleneck: no). */
  relu?: boolean;
}

const conv = (cin: number, cout: number, kernel: 1 | 3, stride = 1): nn.Conv2d =>
  new nn.Conv2d(cin, cout, kernel, { stride, padding: kernel >> 1, bias: false });

abstract class ResidualUnit extends nn.Module {
  readonly relu = this.registerModule("relu", new nn.ReLU());
  #downsample: nn.Sequential | null = null;

  constructor(readonly finalRelu: boolean) {
    super();
  }

  /** A strided 1×1 conv + BN on the shortcut when the unit changes shape. */
  protected shortcutFor(inPlanes: number, outPlanes: number, stride: number): void {
    if (stride === 1 && inPlanes === outPlanes) return;
    this.#downsample = this.registerModule("downsample", new nn.Sequential(conv(inPlanes, outPlanes, 1, stride), new nn.BatchNorm2d(outPlanes)));
  }

  protected abstract residual(x: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    const sum = this.residual(x).add_(this.#downsample ? this.#downsample.call(x) : x);
    return this.finalRelu ? sum.relu_() : sum;
  }
}

export class BasicBlock extends ResidualUnit {
  static readonly expansion = 1;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;

  constructor(inPlanes: number, planes: number, { stride = 1, relu = true }: UnitOptions = {}) {
    super(relu);
    this.conv1 = this.registerModule("conv1", conv(inPlanes, planes, 3, stride));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", conv(planes, planes, 3));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(planes));
    this.shortcutFor(inPlanes, planes, stride);
  }

  protected residual(x: Tensor): Tensor {
    return this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
  }
}

/** 1×1 reduce, 3×3 (strided), 1×1 expand ×2. */
export class Bottleneck extends ResidualUnit {
  static readonly expansion = 2;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv3: nn.Conv2d;
  readonly bn3: nn.BatchNorm2d;

  constructor(inPlanes: number, planes: number, { stride = 1, relu = false }: UnitOptions = {}) {
    super(relu);
    this.conv1 = this.registerModule("conv1", conv(inPlanes, planes, 1));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", conv(planes, planes, 3, stride));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(planes));
    this.conv3 = this.registerModule("conv3", conv(planes, planes * 2, 1));
    this.bn3 = this.registerModule("bn3", new nn.BatchNorm2d(planes * 2));
    this.shortcutFor(inPlanes, planes * 2, stride);
  }

  protected residual(x: Tensor): Tensor {
    const h = this.relu.call(this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x))))));
    return this.bn3.call(this.conv3.call(h));
  }
}

export type UnitClass = typeof BasicBlock | typeof Bottleneck;

/**
 * A stage of `count` units (the authors' _make_layer): the first strided with the unit's own ReLU
 * default, the middle ones with ReLU, the last without (when there is more than one).
 */
export function residualStage(Unit: UnitClass, inPlanes: number, planes: number, count: number, stride = 1): nn.Sequential {
  const stage = new nn.Sequential(new Unit(inPlanes, planes, { stride }));
  for (let i = 1; i < count; i++) stage.append(new Unit(planes * Unit.expansion, planes, { relu: i < count - 1 }));
  return stage;
}
