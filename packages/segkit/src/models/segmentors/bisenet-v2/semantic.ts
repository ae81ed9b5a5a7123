// BiSeNetV2's semantic branch (Yu et al. 2021): stem, gather-and-expand layers, context embedding.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";

/** Stride 4: a strided conv, then a conv branch and a max-pool branch concatenated and fused. */
export class StemBlock extends nn.Module {
  readonly conv: ConvNormAct;
  readonly convBranch: nn.Sequential;
  readonly poolBranch: nn.MaxPool2d;
  readonly fuse: ConvNormAct;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new ConvNormAct(inChannels, outChannels, 3, { stride: 2 }));
    this.convBranch = this.registerModule("convBranch", new nn.Sequential(
      new ConvNormAct(outChannels, outChannels >> 1, 1), new ConvNormAct(outChannels >> 1, outChannels, 3, { stride: 2 })));
    this.poolBranch = this.registerModule("poolBranch", new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
    this.fuse = this.registerModule("fuse", new ConvNormAct(2 * outChannels, outChannels, 3));
  }

  forward(x: Tensor): Tensor {
    const h = this.conv.call(x);
    return this.fuse.call(torch.cat([this.convBranch.call(h), this.poolBranch.call(h)], 1));
  }
}

/**
 * Gather-and-expand layer: 3×3 conv, depthwise expansion (×6; two depthwise convs when strided),
 * 1×1 projection, added to a shortcut (a depthwise-separable strided one when the shape changes).
 */
export class GatherExpand extends nn.Module {
  readonly conv: ConvNormAct;
  readonly dwconv: nn.Sequential;
  readonly project: ConvNormAct;
  readonly shortcut: nn.Sequential | null;

  constructor(inChannels: number, outChannels: number, stride: 1 | 2, expansion = 6) {
    super();
    const mid = inChannels * expansion;
    const linear = { act: null } as const;
    this.conv = this.registerModule("conv", new ConvNormAct(inChannels, inChannels, 3));
    this.dwconv = this.registerModule("dwconv", new nn.Sequential(new ConvNormAct(inChannels, mid, 3, { stride, groups: inChannels, ...linear })));
    if (stride === 2) this.dwconv.append(new ConvNormAct(mid, mid, 3, { groups: mid, ...linear }));
    this.project = this.registerModule("project", new ConvNormAct(mid, outChannels, 1, linear));
    this.shortcut = stride === 2 || inChannels !== outChannels
      ? this.registerModule("shortcut", new nn.Sequential(
        new ConvNormAct(inChannels, inChannels, 3, { stride, groups: inChannels, ...linear }), new ConvNormAct(inChannels, outChannels, 1, linear)))
      : null;
  }

  forward(x: Tensor): Tensor {
    const h = this.project.call(this.dwconv.call(this.conv.call(x)));
    return h.add_(this.shortcut ? this.shortcut.call(x) : x).relu();
  }
}

/** Context embedding: global average pool, BN, 1×1 conv-BN-ReLU, added back, then 3×3 conv-BN-ReLU. */
export class ContextEmbedding extends nn.Module {
  readonly gap: nn.Sequential;
  readonly conv: ConvNormAct;

  constructor(channels: number) {
    super();
    this.gap = this.registerModule("gap", new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.BatchNorm2d(channels), ...new ConvNormAct(channels, channels, 1)));
    this.conv = this.registerModule("conv", new ConvNormAct(channels, channels, 3));
  }

  forward(x: Tensor): Tensor {
    return this.conv.call(x.add(this.gap.call(x)));
  }
}

/** Stem (stride 4) and three stages of GE layers (strides 8, 16, 32) ending in context embedding. */
export class SemanticBranch extends nn.Module {
  readonly stem: StemBlock;
  readonly stages: nn.ModuleList<nn.Sequential>;
  readonly ce: ContextEmbedding;

  constructor(channels: number[]) {
    super();
    const [c1, c2, c3, c4] = channels;
    this.stem = this.registerModule("stem", new StemBlock(3, c1));
    this.stages = this.registerModule("stages", new nn.ModuleList([
      new nn.Sequential(new GatherExpand(c1, c2, 2), new GatherExpand(c2, c2, 1)),
      new nn.Sequential(new GatherExpand(c2, c3, 2), new GatherExpand(c3, c3, 1)),
      new nn.Sequential(new GatherExpand(c3, c4, 2), new GatherExpand(c4, c4, 1), new GatherExpand(c4, c4, 1), new GatherExpand(c4, c4, 1)),
    ]));
    this.ce = this.registerModule("ce", new ContextEmbedding(c4));
  }

  /** The stem's and each stage's output (for auxiliary heads), then the context embedding's. */
  forward(x: Tensor): Tensor[] {
    const outs = [this.stem.call(x)];
    for (const stage of this.stages) outs.push(stage.call(outs[outs.length - 1]));
    outs.push(this.ce.call(outs[outs.length - 1]));
    return outs;
  }
}
