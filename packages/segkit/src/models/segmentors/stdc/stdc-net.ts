// STDC network (Fan et al., "Rethinking BiSeNet For Real-time Semantic Segmentation", CVPR 2021):
// two strided 3×3 convs, then three stages of "short-term dense concatenate" blocks, each block a
// chain of convs whose widths halve and whose outputs are concatenated. Keys follow the authors'
// STDCNet813 / STDCNet1446: "features.N", the same blocks again under the stage aliases x2 … x32,
// and the ImageNet classifier (conv_last, fc, bn, linear) that their checkpoints carry.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../../backbones/backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { ConvBnAct } from "../../blocks/conv-bn-act.js";
import type { TensorModule } from "../../blocks/conv-norm-act.js";

/**
 * One STDC block of `depth` convs: a 1×1 conv to half the output width, then 3×3 convs of a half,
 * a quarter, … (the last keeps its input width); all outputs concatenated to `outChannels`. A
 * strided block downsamples after the first conv with a depthwise 3×3 conv, and its skip by
 * average pooling.
 */
export class CatBottleneck extends nn.Module {
  readonly conv_list: nn.ModuleList<ConvBnAct>;
  readonly avd_layer: nn.Sequential | null = null;
  readonly skip: nn.AvgPool2d | null = null;

  constructor(inChannels: number, outChannels: number, depth: number, readonly stride: 1 | 2) {
    super();
    if (depth < 2) throw new RangeError(`CatBottleneck: depth must be at least 2, got ${depth}`);
    const half = outChannels >> 1;
    if (stride === 2) {
      this.avd_layer = this.registerModule("avd_layer", new nn.Sequential(
        new nn.Conv2d(half, half, 3, { stride: 2, padding: 1, groups: half, bias: false }), new nn.BatchNorm2d(half)));
      this.skip = this.registerModule("skip", new nn.AvgPool2d(3, { stride: 2, padding: 1 }));
    }
    const convs = [new ConvBnAct(inChannels, half, 1)];
    for (let i = 1; i < depth; i++) {
      const width = outChannels >> i;
      const last = i === depth - 1;
      convs.push(new ConvBnAct(width, last ? width : width >> 1, 3));
    }
    this.conv_list = this.registerModule("conv_list", new nn.ModuleList(convs));
  }

  forward(x: Tensor): Tensor {
    const [first, ...rest] = this.conv_list;
    const head = first.call(x);
    const outputs = [this.skip ? this.skip.call(head) : head];
    let h = this.avd_layer ? this.avd_layer.call(head) : head;
    for (const conv of rest) outputs.push((h = conv.call(h)));
    return torch.cat(outputs, 1);
  }
}

/** Some of the feature blocks under their own indices ("2", "3"), run in order: a stage alias. */
class StageSlice extends nn.Module {
  constructor(blocks: [string, TensorModule][]) {
    super();
    for (const [index, block] of blocks) this.registerModule(index, block);
  }

  forward(x: Tensor): Tensor {
    return this.children().reduce((h, block) => (block as TensorModule).call(h), x);
  }
}

export interface STDCNetOptions {
  /** Blocks per stage: [2, 2, 2] is STDC1 (STDCNet813), [4, 5, 3] STDC2 (STDCNet1446). */
  layers: [number, number, number];
  /** Width of the stride-4 features; the stages have 4×, 8× and 16× it (64 in the paper). */
  base?: number;
  /** Convs per block (4 in the paper). */
  depth?: number;
  /** Classes of the ImageNet classifier (1000). */
  numClasses?: number;
}

export class STDCNet extends Backbone {
  readonly outChannels: number[];
  readonly strides = [2, 4, 8, 16, 32];
  readonly features: nn.Sequential;
  readonly conv_last: ConvBnAct;
  readonly gap = this.registerModule("gap", new nn.AdaptiveAvgPool2d(1));
  readonly fc: nn.Linear;
  readonly bn: nn.BatchNorm1d;
  readonly relu = this.registerModule("relu", new nn.ReLU());
  readonly dropout = this.registerModule("dropout", new nn.Dropout(0.2));
  readonly linear: nn.Linear;
  readonly stages: StageSlice[];

  constructor({ layers, base = 64, depth = 4, numClasses = 1000 }: STDCNetOptions) {
    super();
    checkWidth("STDCNet", "base", base, { multipleOf: 4 });
    checkWidth("STDCNet", "layers", layers);
    const blocks: TensorModule[] = [new ConvBnAct(3, base >> 1, 3, { stride: 2 }), new ConvBnAct(base >> 1, base, 3, { stride: 2 })];
    let width = base;
    layers.forEach((count, stage) => {
      for (let j = 0; j < count; j++) {
        const out = base * 2 ** (stage + 2);
        blocks.push(new CatBottleneck(width, out, depth, j === 0 ? 2 : 1));
        width = out;
      }
    });
    this.features = this.registerModule("features", new nn.Sequential(...blocks));
    const hidden = Math.max(1024, width);
    this.conv_last = this.registerModule("conv_last", new ConvBnAct(width, hidden, 1));
    this.fc = this.registerModule("fc", new nn.Linear(hidden, hidden, { bias: false }));
    // In the authors' checkpoints but unused: their classifier skips it (commented out).
    this.bn = this.registerModule("bn", new nn.BatchNorm1d(hidden));
    this.linear = this.registerModule("linear", new nn.Linear(hidden, numClasses, { bias: false }));
    // The stage aliases x2 … x32 hold the same blocks again, as the authors' modules do.
    const bounds = [0, 1, 2, 2 + layers[0], 2 + layers[0] + layers[1], blocks.length];
    this.stages = ["x2", "x4", "x8", "x16", "x32"].map((name, i) => {
      const slice = blocks.slice(bounds[i], bounds[i + 1]).map((b, k): [string, TensorModule] => [String(bounds[i] + k), b]);
      return this.registerModule(name, new nn.Sequential(new StageSlice(slice))).at(0) as StageSlice;
    });
    this.outChannels = [base >> 1, base, base * 4, base * 8, base * 16];
  }

  /** Features at strides 2, 4, 8, 16 and 32. */
  forward(x: Tensor): Tensor[] {
    const out: Tensor[] = [];
    let h = x;
    for (const stage of this.stages) out.push((h = stage.call(h)));
    return out;
  }

  /** ImageNet class logits, as the authors' classifier computes them (forward_impl). */
  classify(x: Tensor): Tensor {
    return torch.tidy(() => {
      const pooled = this.gap.call(this.conv_last.call(this.features.call(x)).pow(2)).flatten(1);
      return this.linear.call(this.dropout.call(this.relu.call(this.fc.call(pooled))));
    });
  }

  /** The classifier's modules, which segmentation never runs. */
  classifierModules(): nn.Module[] {
    return [this.conv_last, this.fc, this.bn, this.linear];
  }
}
