// ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"): a 4×4/4 patchify stem, then four stages of
// blocks: 7×7 depthwise conv → LayerNorm (channels-last) → Linear MLP (GELU, ×4) → per-channel layer
// scale → stochastic depth → residual; stages 2-4 open with LayerNorm (channels-first) + 2×2/2 conv.
// Keys as timm's convnext.py ("stem.0", "stem.1", "stages.i.downsample.{0,1}",
// "stages.i.blocks.j.{conv_dw,norm,mlp.fc1,mlp.fc2,gamma}"); timm's classifier "head.*" is not part
// of the backbone. For dense prediction each stage output goes through a LayerNorm (channels-first),
// here "out_norms.i", as mmpretrain's ConvNeXt with gap_before_final_norm=False (its norm0..norm3),
// which timm does not have.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DownsampleStage, stageOutputs } from "../../blocks/downsample-stage.js";
import { DropPath } from "../../blocks/drop-path.js";
import { LayerNorm2d } from "../../blocks/layer-norm-2d.js";
import { dropPathSchedule } from "../../blocks/pyramid-transformer.js";
import { Mlp } from "../vit/mlp.js";

export interface ConvNeXtOptions {
  dims: number[];
  depths: number[];
  /** Initial layer scale (timm 1e-6; mmsegmentation's UPerNet configs 1.0). */
  layerScaleInit?: number;
  /** Stochastic depth of the last block, rising linearly from 0 (timm 0; mmsegmentation's UPerNet configs 0.4). */
  dropPathRate?: number;
  inChannels?: number;
}

/** Every norm of ConvNeXt (timm's LayerNorm and LayerNorm2d default). */
const EPS = 1e-6;

class ConvNeXtBlock extends nn.Module {
  readonly conv_dw: nn.Conv2d;
  readonly norm: nn.LayerNorm;
  readonly mlp: Mlp;
  declare readonly gamma: Tensor;
  readonly drop_path: DropPath;

  constructor(dim: number, layerScaleInit: number, dropPath: number) {
    super();
    this.conv_dw = this.registerModule("conv_dw", new nn.Conv2d(dim, dim, 7, { padding: 3, groups: dim }));
    this.norm = this.registerModule("norm", new nn.LayerNorm(dim, { eps: EPS }));
    this.mlp = this.registerModule("mlp", new Mlp(dim, 4 * dim));
    this.registerParameter("gamma", torch.full([dim], layerScaleInit, { dtype: "float32" }));
    this.drop_path = this.registerModule("drop_path", new DropPath(dropPath));
  }

  forward(x: Tensor): Tensor {
    const channelsLast = this.conv_dw.call(x).permute([0, 2, 3, 1]);
    const y = this.mlp.call(this.norm.call(channelsLast)).mul(this.gamma).permute([0, 3, 1, 2]);
    return this.drop_path.call(y).add(x);
  }
}

/** timm's initialisation: convs and linears truncated-normal (std 0.02; its ±2 cut is 100 deviations, so a plain normal), biases 0. */
function initConvNeXt(model: nn.Module): void {
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof nn.Conv2d || m instanceof nn.Linear)) continue;
      nn.init.normal(m.weight, 0, 0.02);
      if (m.bias) m.bias.zero_();
    }
  });
}

/** The stem's 4×4/4 conv, then three 2×2/2 convs: an input below 32 leaves a stage without pixels. */
const MIN_SIZE = 32;

export class ConvNeXt extends Backbone {
  readonly stem: nn.Sequential;
  readonly stages: nn.ModuleList<DownsampleStage>;
  readonly out_norms: nn.ModuleList<LayerNorm2d>;
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];

  constructor({ dims, depths, layerScaleInit = 1e-6, dropPathRate = 0, inChannels = 3 }: ConvNeXtOptions) {
    super();
    for (const [key, value] of [["dims", dims], ["depths", depths]] as const) {
      if (value.length !== 4) throw new RangeError(`ConvNeXt: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
      checkWidth("ConvNeXt", key, [...value]);
    }
    if (!(layerScaleInit > 0)) throw new RangeError(`ConvNeXt: layerScaleInit must be > 0, got ${layerScaleInit}`);
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`ConvNeXt: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.stem = this.registerModule("stem", new nn.Sequential(
      new nn.Conv2d(inChannels, dims[0], 4, { stride: 4 }), new LayerNorm2d(dims[0], EPS)));
    this.stages = this.registerModule("stages", new nn.ModuleList(dims.map((dim, i) => new DownsampleStage(
      i === 0 ? null : new nn.Sequential(new LayerNorm2d(dims[i - 1], EPS), new nn.Conv2d(dims[i - 1], dim, 2, { stride: 2 })),
      rates[i].map((rate) => new ConvNeXtBlock(dim, layerScaleInit, rate)),
    ))));
    this.out_norms = this.registerModule("out_norms", new nn.ModuleList(dims.map((dim) => new LayerNorm2d(dim, EPS))));
    this.outChannels = [...dims];
    initConvNeXt(this);
  }

  /** The four stage outputs before the output norms (timm's stages). */
  stageOutputs(x: Tensor): Tensor[] {
    return stageOutputs(this.stem, this.stages, x);
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`ConvNeXt: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const [h, w] = x.shape.slice(2);
    if (h < MIN_SIZE || w < MIN_SIZE) throw new RangeError(`ConvNeXt: input ${h}×${w} is too small; the stem and three downsamplings (stride 32) need height and width of at least ${MIN_SIZE}`);
    return this.stageOutputs(x).map((f, i) => this.out_norms.at(i).call(f));
  }
}
