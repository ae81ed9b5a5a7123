// Bilateral guided aggregation: each branch gates the other at its own resolution (detail at stride
// 8 by the upsampled semantic sigmoid; semantic at stride 32 by itself, applied to the downsampled
// detail), the two are summed at stride 8 and fused by a 3×3 conv-BN-ReLU.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { resize, spatial } from "../../blocks/resize.js";

export class GuidedAggregation extends nn.Module {
  readonly detail_dwconv: nn.Sequential;
  readonly detail_down: nn.Sequential;
  readonly semantic_conv: ConvNormAct;
  readonly semantic_dwconv: nn.Sequential;
  readonly fuse: ConvNormAct;

  constructor(channels: number) {
    super();
    const linear = { act: null } as const;
    const depthwiseThenPointwise = (): nn.Sequential => new nn.Sequential(
      new ConvNormAct(channels, channels, 3, { groups: channels, ...linear }), new nn.Conv2d(channels, channels, 1));
    this.detail_dwconv = this.registerModule("detail_dwconv", depthwiseThenPointwise());
    this.detail_down = this.registerModule("detail_down", new nn.Sequential(
      new ConvNormAct(channels, channels, 3, { stride: 2, ...linear }), new nn.AvgPool2d(3, { stride: 2, padding: 1 })));
    this.semantic_conv = this.registerModule("semantic_conv", new ConvNormAct(channels, channels, 3, linear));
    this.semantic_dwconv = this.registerModule("semantic_dwconv", depthwiseThenPointwise());
    this.fuse = this.registerModule("fuse", new ConvNormAct(channels, channels, 3));
  }

  forward(detail: Tensor, semantic: Tensor): Tensor {
    const size = spatial(detail);
    const left = this.detail_dwconv.call(detail).mul(resize(this.semantic_conv.call(semantic), size).sigmoid());
    const right = this.detail_down.call(detail).mul(this.semantic_dwconv.call(semantic).sigmoid());
    return this.fuse.call(left.add(resize(right, size)));
  }
}
