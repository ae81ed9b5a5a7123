// The MSCAN block (Guo et al. 2022, "SegNeXt: Rethinking Convolutional Attention Design for Semantic
// Segmentation", §3.1): BatchNorm → multi-scale convolutional attention, BatchNorm → conv MLP with a
// 3×3 depthwise conv, each branch scaled per channel (learnt, from 0.01) and added back through
// stochastic depth. The attention is computed by depthwise convs, a 5×5 then three strip pairs
// (1×k then k×1 for k = 7, 11, 21), summed with their input, mixed by a 1×1 conv and multiplied
// onto the features. Keys as mmsegmentation's mscan.py: "norm1", "attn.{proj_1, spatial_gating_unit.
// {conv0, conv0_1…conv2_2, conv3}, proj_2}", "norm2", "mlp.{fc1, dwconv, fc2}", "layer_scale_1/2".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DropPath } from "../../blocks/drop-path.js";

const LAYER_SCALE_INIT = 1e-2;

const depthwise = (channels: number, kernel: [number, number]) =>
  new nn.Conv2d(channels, channels, kernel, { padding: kernel.map((k) => k >> 1), groups: channels });

/** The attention map (conv0, the strip pairs convI_1 → convI_2 of lengths 7, 11, 21, conv3) times the input. */
class MultiScaleConvAttention extends nn.Module {
  readonly conv0: nn.Conv2d;
  readonly strips: [nn.Conv2d, nn.Conv2d][];
  readonly conv3: nn.Conv2d;

  constructor(channels: number) {
    super();
    this.conv0 = this.registerModule("conv0", depthwise(channels, [5, 5]));
    this.strips = [
      [this.registerModule("conv0_1", depthwise(channels, [1, 7])), this.registerModule("conv0_2", depthwise(channels, [7, 1]))],
      [this.registerModule("conv1_1", depthwise(channels, [1, 11])), this.registerModule("conv1_2", depthwise(channels, [11, 1]))],
      [this.registerModule("conv2_1", depthwise(channels, [1, 21])), this.registerModule("conv2_2", depthwise(channels, [21, 1]))],
    ];
    this.conv3 = this.registerModule("conv3", new nn.Conv2d(channels, channels, 1));
  }

  forward(x: Tensor): Tensor {
    const local = this.conv0.call(x);
    const summed = this.strips.reduce((sum, [across, down]) => sum.add(down.call(across.call(local))), local);
    return this.conv3.call(summed).mul(x);
  }
}

/** 1×1 conv → GELU → the attention → 1×1 conv, plus the input. */
class SpatialAttention extends nn.Module {
  readonly proj_1: nn.Conv2d;
  readonly activation = this.registerModule("activation", new nn.GELU());
  readonly spatial_gating_unit: MultiScaleConvAttention;
  readonly proj_2: nn.Conv2d;

  constructor(channels: number) {
    super();
    this.proj_1 = this.registerModule("proj_1", new nn.Conv2d(channels, channels, 1));
    this.spatial_gating_unit = this.registerModule("spatial_gating_unit", new MultiScaleConvAttention(channels));
    this.proj_2 = this.registerModule("proj_2", new nn.Conv2d(channels, channels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.proj_2.call(this.spatial_gating_unit.call(this.activation.call(this.proj_1.call(x)))).add(x);
  }
}

/** 1×1 conv → 3×3 depthwise conv → GELU → 1×1 conv (dropout 0 in every SegNeXt config, so none). */
class ConvMlp extends nn.Module {
  readonly fc1: nn.Conv2d;
  readonly dwconv: nn.Conv2d;
  readonly act = this.registerModule("act", new nn.GELU());
  readonly fc2: nn.Conv2d;

  constructor(channels: number, hiddenChannels: number) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Conv2d(channels, hiddenChannels, 1));
    this.dwconv = this.registerModule("dwconv", depthwise(hiddenChannels, [3, 3]));
    this.fc2 = this.registerModule("fc2", new nn.Conv2d(hiddenChannels, channels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.dwconv.call(this.fc1.call(x))));
  }
}

export class MSCABlock extends nn.Module {
  readonly norm1: nn.BatchNorm2d;
  readonly attn: SpatialAttention;
  readonly dropPath: DropPath;
  readonly norm2: nn.BatchNorm2d;
  readonly mlp: ConvMlp;
  declare readonly layer_scale_1: Tensor;
  declare readonly layer_scale_2: Tensor;

  constructor(channels: number, mlpRatio: number, dropPath: number) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.BatchNorm2d(channels));
    this.attn = this.registerModule("attn", new SpatialAttention(channels));
    this.dropPath = this.registerModule("drop_path", new DropPath(dropPath));
    this.norm2 = this.registerModule("norm2", new nn.BatchNorm2d(channels));
    this.mlp = this.registerModule("mlp", new ConvMlp(channels, Math.floor(channels * mlpRatio)));
    this.registerParameter("layer_scale_1", torch.full([channels], LAYER_SCALE_INIT, { dtype: "float32" }));
    this.registerParameter("layer_scale_2", torch.full([channels], LAYER_SCALE_INIT, { dtype: "float32" }));
  }

  /** (B, C, H, W) → (B, C, H, W). */
  forward(x: Tensor): Tensor {
    const scaled = (scale: Tensor, y: Tensor) => this.dropPath.call(scale.reshape([-1, 1, 1]).mul(y));
    const attended = x.add(scaled(this.layer_scale_1, this.attn.call(this.norm1.call(x))));
    return attended.add(scaled(this.layer_scale_2, this.mlp.call(this.norm2.call(attended))));
  }
}
