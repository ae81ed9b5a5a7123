// The dilated ResNet of DeepLab v2 (Chen et al. 2017), MSRA's original ResNet as the authors' Caffe
// models have it, in kazuto1011/deeplab-pytorch's layout and keys (libs/models/resnet.py):
// "layer1" the stem (7×7 conv-BN-ReLU, then a 3×3 max-pool with ceil mode), "layer2".."layer5" of
// bottlenecks "blockN" whose 1×1 "reduce" conv carries the stride (torchvision's v1.5 puts it on the
// 3×3), a projection "shortcut" in every stage's first block, and at output stride 8 the last two
// stages dilated 2 and 4 in every block. Conv-BN units are "conv"/"bn" (BN momentum 0.001).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../../blocks/conv-bn-act.js";

const EXPANSION = 4;
const BN_MOMENTUM = 1 - 0.999;

function unit(inChannels: number, outChannels: number, kernelSize: number, stride: number, dilation: number, relu: boolean): ConvBnAct {
  return new ConvBnAct(inChannels, outChannels, kernelSize, { stride, dilation, act: relu ? "relu" : null, momentum: BN_MOMENTUM });
}

class MsraBottleneck extends nn.Module {
  readonly reduce: ConvBnAct;
  readonly conv3x3: ConvBnAct;
  readonly increase: ConvBnAct;
  readonly shortcut: ConvBnAct | null;

  constructor(inChannels: number, outChannels: number, stride: number, dilation: number, projection: boolean) {
    super();
    const mid = outChannels / EXPANSION;
    this.reduce = this.registerModule("reduce", unit(inChannels, mid, 1, stride, 1, true));
    this.conv3x3 = this.registerModule("conv3x3", unit(mid, mid, 3, 1, dilation, true));
    this.increase = this.registerModule("increase", unit(mid, outChannels, 1, 1, 1, false));
    this.shortcut = projection ? this.registerModule("shortcut", unit(inChannels, outChannels, 1, stride, 1, false)) : null;
  }

  forward(x: Tensor): Tensor {
    const h = this.increase.call(this.conv3x3.call(this.reduce.call(x)));
    return h.add(this.shortcut ? this.shortcut.call(x) : x).relu();
  }
}

/** The stem: conv1 (7×7, stride 2) and a ceil-mode 3×3 max-pool of stride 2. */
class MsraStem extends nn.Module {
  readonly conv1: ConvBnAct;
  readonly pool = this.registerModule("pool", new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }));

  constructor(channels: number) {
    super();
    this.conv1 = this.registerModule("conv1", unit(3, channels, 7, 2, 1, true));
  }

  forward(x: Tensor): Tensor {
    return this.pool.call(this.conv1.call(x));
  }
}

/** A stage of bottlenecks "block1".."blockN"; the first strides and projects. */
class MsraStage extends nn.Module {
  readonly #blocks: MsraBottleneck[] = [];

  constructor(count: number, inChannels: number, outChannels: number, stride: number, dilation: number) {
    super();
    for (let b = 0; b < count; b++) {
      const block = new MsraBottleneck(b === 0 ? inChannels : outChannels, outChannels, b === 0 ? stride : 1, dilation, b === 0);
      this.#blocks.push(this.registerModule(`block${b + 1}`, block));
    }
  }

  forward(x: Tensor): Tensor {
    return this.#blocks.reduce((h, block) => block.call(h), x);
  }
}

/**
 * layer1..layer5 of the output-stride-8 MSRA ResNet with `blocks` bottlenecks per stage (ResNet-101:
 * 3, 4, 23, 3) and stem width `width` (64; the stages have 4, 8, 16 and 32 times as many channels).
 */
export function msraResNetLayers(blocks: number[], width = 64): [string, nn.Module & { forward(x: Tensor): Tensor }][] {
  if (blocks.length !== 4 || !blocks.every((b) => Number.isInteger(b) && b >= 1)) throw new RangeError(`DeepLab v2 ResNet: blocks must list 4 positive block counts, got ${JSON.stringify(blocks)}`);
  if (!(Number.isInteger(width) && width >= 1)) throw new RangeError(`DeepLab v2 ResNet: width must be a positive integer, got ${width}`);
  const channels = [1, 4, 8, 16, 32].map((f) => f * width);
  const strides = [1, 2, 1, 1];
  const dilations = [1, 1, 2, 4];
  return [["layer1", new MsraStem(channels[0])], ...blocks.map((count, i): [string, MsraStage] => [`layer${i + 2}`, new MsraStage(count, channels[i], channels[i + 1], strides[i], dilations[i])])];
}
