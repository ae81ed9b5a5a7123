// PoolFormer (Yu et al. 2022, "MetaFormer Is Actually What You Need for Vision"): the transformer's
// attention replaced by 3×3 average pooling minus the input; blocks of GroupNorm(1) → pooling and
// GroupNorm(1) → 1×1-conv MLP, each with a learnt per-channel layer scale and stochastic depth; a
// 7×7/4 conv stem and 3×3/2 convs between stages; outputs at strides 4, 8, 16, 32. Keys as timm's
// MetaFormer ("stem.conv", "stages.i.downsample.conv", "stages.i.blocks.j.{norm1,layer_scale1,norm2,
// mlp.fc1,mlp.fc2,layer_scale2}"); timm's classifier "head.*" is not part of the backbone. For dense
// prediction the authors normalise each output with GroupNorm(1) (their fork_feat norms), here
// "out_norms.i", which timm does not have.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DownsampleStage, stageOutputs } from "../../blocks/downsample-stage.js";
import { DropPath } from "../../blocks/drop-path.js";
import { dropPathSchedule } from "../../blocks/pyramid-transformer.js";

export interface PoolFormerOptions {
  embedDims: number[];
  depths: number[];
  /** Initial layer scale (1e-5 for S12/S24, 1e-6 for S36/M36/M48). */
  layerScaleInit?: number;
  /** MLP hidden width over the block width (4). */
  mlpRatio?: number;
  /** Stochastic depth of the last block, rising linearly from 0 (0.1). */
  dropPathRate?: number;
  inChannels?: number;
}

/** A conv in a module of its own ("conv"), as timm's Stem and Downsampling hold it. */
class ConvOnly extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor(inChannels: number, channels: number, kernelSize: number, stride: number, padding: number) {
    super();
    this.conv = this.registerModule("conv", new nn.Conv2d(inChannels, channels, kernelSize, { stride, padding }));
  }

  forward(x: Tensor): Tensor {
    return this.conv.call(x);
  }
}

/** Pooling as a token mixer: average over the 3×3 neighbourhood (border cells over fewer), minus the input. */
class PoolMixer extends nn.Module {
  readonly pool = this.registerModule("pool", new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }));

  forward(x: Tensor): Tensor {
    return this.pool.call(x).sub(x);
  }
}

/** A learnt per-channel factor on (B, C, H, W) ("scale"). */
class LayerScale extends nn.Module {
  declare readonly scale: Tensor;

  constructor(channels: number, init: number) {
    super();
    this.registerParameter("scale", torch.full([channels], init, { dtype: "float32" })); // an integral init would make int64
  }

  forward(x: Tensor): Tensor {
    return x.mul(this.scale.reshape([-1, 1, 1]));
  }
}

class ConvMlp extends nn.Module {
  readonly fc1: nn.Conv2d;
  readonly act: nn.GELU;
  readonly fc2: nn.Conv2d;

  constructor(channels: number, hiddenChannels: number) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Conv2d(channels, hiddenChannels, 1));
    this.act = this.registerModule("act", new nn.GELU());
    this.fc2 = this.registerModule("fc2", new nn.Conv2d(hiddenChannels, channels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class PoolFormerBlock extends nn.Module {
  readonly norm1: nn.GroupNorm;
  readonly token_mixer: PoolMixer;
  readonly drop_path1: DropPath;
  readonly layer_scale1: LayerScale;
  readonly norm2: nn.GroupNorm;
  readonly mlp: ConvMlp;
  readonly drop_path2: DropPath;
  readonly layer_scale2: LayerScale;

  constructor(channels: number, mlpRatio: number, layerScaleInit: number, dropPath: number) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.GroupNorm(1, channels));
    this.token_mixer = this.registerModule("token_mixer", new PoolMixer());
    this.drop_path1 = this.registerModule("drop_path1", new DropPath(dropPath));
    this.layer_scale1 = this.registerModule("layer_scale1", new LayerScale(channels, layerScaleInit));
    this.norm2 = this.registerModule("norm2", new nn.GroupNorm(1, channels));
    this.mlp = this.registerModule("mlp", new ConvMlp(channels, Math.floor(channels * mlpRatio)));
    this.drop_path2 = this.registerModule("drop_path2", new DropPath(dropPath));
    this.layer_scale2 = this.registerModule("layer_scale2", new LayerScale(channels, layerScaleInit));
  }

  forward(x: Tensor): Tensor {
    const mixed = x.add(this.layer_scale1.call(this.drop_path1.call(this.token_mixer.call(this.norm1.call(x)))));
    return mixed.add(this.layer_scale2.call(this.drop_path2.call(this.mlp.call(this.norm2.call(mixed)))));
  }
}

/** timm's initialisation: convs truncated-normal (std 0.02; its ±2 cut is 100 deviations, so a plain normal), biases 0. */
function initPoolFormer(model: nn.Module): void {
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof nn.Conv2d)) continue;
      nn.init.normal(m.weight, 0, 0.02);
      if (m.bias) m.bias.zero_();
    }
  });
}

/** The stem's 7×7 kernel over the input padded by 2 on each side. */
const MIN_SIZE = 3;

export class PoolFormer extends Backbone {
  readonly stem: ConvOnly;
  readonly stages: nn.ModuleList<DownsampleStage>;
  readonly out_norms: nn.ModuleList<nn.GroupNorm>;
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];

  constructor({ embedDims, depths, layerScaleInit = 1e-5, mlpRatio = 4, dropPathRate = 0.1, inChannels = 3 }: PoolFormerOptions) {
    super();
    for (const [key, value] of [["embedDims", embedDims], ["depths", depths]] as const) {
      if (value.length !== 4) throw new RangeError(`PoolFormer: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
      checkWidth("PoolFormer", key, [...value]);
    }
    if (!(mlpRatio > 0)) throw new RangeError(`PoolFormer: mlpRatio must be > 0, got ${mlpRatio}`);
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`PoolFormer: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.stem = this.registerModule("stem", new ConvOnly(inChannels, embedDims[0], 7, 4, 2));
    this.stages = this.registerModule("stages", new nn.ModuleList(embedDims.map((dim, i) => new DownsampleStage(
      i === 0 ? null : new ConvOnly(embedDims[i - 1], dim, 3, 2, 1),
      rates[i].map((rate) => new PoolFormerBlock(dim, mlpRatio, layerScaleInit, rate)),
    ))));
    this.out_norms = this.registerModule("out_norms", new nn.ModuleList(embedDims.map((dim) => new nn.GroupNorm(1, dim))));
    this.outChannels = [...embedDims];
    initPoolFormer(this);
  }

  /** The four stage outputs before the output norms (timm's stages). */
  stageOutputs(x: Tensor): Tensor[] {
    return stageOutputs(this.stem, this.stages, x);
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`PoolFormer: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const [h, w] = x.shape.slice(2);
    if (h < MIN_SIZE || w < MIN_SIZE) throw new RangeError(`PoolFormer: input ${h}×${w} is too small; the 7×7 stem (padding 2) needs height and width of at least ${MIN_SIZE}`);
    return this.stageOutputs(x).map((f, i) => this.out_norms.at(i).call(f));
  }
}
