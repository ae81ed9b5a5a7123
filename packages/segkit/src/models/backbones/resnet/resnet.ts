// ResNet-18/34/50/101/152 with torchvision's key names (conv1, bn1, layer1..layer4; no avgpool/fc), as
// torchvision's segmentation models hold it. Options: output stride 8/16 by replacing the strides of
// the last stages with dilation, the deep stem of ResNet-v1c (three 3×3 convs, key "stem"), a base
// width other than 64 (small test models), and mmsegmentation's frozenStages.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone, checkFrozenStages } from "../backbone.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { BasicBlock, Bottleneck, type BlockClass } from "./blocks.js";

const DEPTHS: Record<number, [BlockClass, number[]]> = {
  18: [BasicBlock, [2, 2, 2, 2]],
  34: [BasicBlock, [3, 4, 6, 3]],
  50: [Bottleneck, [3, 4, 6, 3]],
  101: [Bottleneck, [3, 4, 23, 3]],
  152: [Bottleneck, [3, 8, 36, 3]],
};

export interface ResNetOptions {
  depth: 18 | 34 | 50 | 101 | 152;
  /** 32 (classification), 16 (dilate layer4) or 8 (dilate layer3 and layer4). */
  outputStride?: 8 | 16 | 32;
  /** ResNet-v1c: three 3×3 convs instead of one 7×7. */
  deepStem?: boolean;
  inChannels?: number;
  /** Also return the stem's stride-2 output (before the max-pool) first, for U-Net decoders. */
  stemOutput?: boolean;
  /** Channels of the stem and of layer1's planes (64); later stages double it. */
  width?: number;
  /**
   * As mmsegmentation's: -1 (default) trains everything; N ≥ 0 freezes the stem and layer1..layerN:
   * their parameters get requiresGrad false and they stay in eval mode (BatchNorm statistics fixed)
   * when the model trains.
   */
  frozenStages?: number;
}

export class ResNet extends Backbone {
  readonly outChannels: number[];
  readonly strides: number[];
  readonly #stem: nn.Sequential;
  readonly #pool: nn.MaxPool2d;
  readonly #stemOutput: boolean;
  readonly #layers: nn.Sequential[] = [];

  constructor({ depth, outputStride = 32, deepStem = false, inChannels = 3, stemOutput = false, width = 64, frozenStages = -1 }: ResNetOptions) {
    super();
    const spec = DEPTHS[depth];
    if (!spec) throw new RangeError(`ResNet: depth must be one of ${Object.keys(DEPTHS).join(", ")}, got ${depth}`);
    if (![8, 16, 32].includes(outputStride)) throw new RangeError(`ResNet: outputStride must be 8, 16 or 32, got ${outputStride}`);
    if (!(Number.isInteger(width) && width >= 2 && width % 2 === 0)) throw new RangeError(`ResNet: width must be an even integer ≥ 2, got ${width}`);
    checkFrozenStages(frozenStages, 4, "ResNet");
    const [Block, counts] = spec;
    // The stem: torchvision's conv1/bn1/relu, or v1c's stem.0-2; then the max-pool. Children in
    // registration order give the state-dict order PyTorch uses.
    if (deepStem) {
      this.#stem = this.registerModule("stem", new nn.Sequential(
        new ConvNormAct(inChannels, width / 2, 3, { stride: 2 }), new ConvNormAct(width / 2, width / 2, 3), new ConvNormAct(width / 2, width, 3)));
    } else {
      this.#stem = new nn.Sequential(
        this.registerModule("conv1", new nn.Conv2d(inChannels, width, 7, { stride: 2, padding: 3, bias: false })),
        this.registerModule("bn1", new nn.BatchNorm2d(width)),
        this.registerModule("relu", new nn.ReLU({ inplace: true })));
    }
    this.#pool = this.registerModule("maxpool", new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
    this.#stemOutput = stemOutput;
    let inPlanes = width;
    let dilation = 1;
    let stride = 4;
    this.strides = stemOutput ? [2] : [];
    this.outChannels = stemOutput ? [width] : [];
    counts.forEach((count, i) => {
      const planes = width << i;
      let layerStride = i === 0 ? 1 : 2;
      const previousDilation = dilation;
      if (layerStride > 1 && stride * 2 > outputStride) {
        dilation *= layerStride;
        layerStride = 1;
      }
      stride *= layerStride;
      const out = planes * Block.expansion;
      const downsample = layerStride !== 1 || inPlanes !== out
        ? new nn.Sequential(new nn.Conv2d(inPlanes, out, 1, { stride: layerStride, bias: false }), new nn.BatchNorm2d(out))
        : null;
      // Like torchvision, the first block of a dilated stage keeps the previous dilation.
      const layer = new nn.Sequential(new Block(inPlanes, planes, { stride: layerStride, dilation: previousDilation, downsample }));
      for (let b = 1; b < count; b++) layer.append(new Block(out, planes, { stride: 1, dilation, downsample: null }));
      this.#layers.push(this.registerModule(`layer${i + 1}`, layer));
      inPlanes = out;
      this.strides.push(stride);
      this.outChannels.push(out);
    });
    if (frozenStages >= 0) this.freeze([this.#stem, ...this.#layers.slice(0, frozenStages)]);
  }

  /** The outputs of layer1..layer4 (after the stem's, with stemOutput). */
  forward(x: Tensor): Tensor[] {
    const stem = this.#stem.call(x);
    const outs: Tensor[] = this.#stemOutput ? [stem] : [];
    let h = this.#pool.call(stem);
    for (const layer of this.#layers) outs.push((h = layer.call(h)));
    return outs;
  }
}
