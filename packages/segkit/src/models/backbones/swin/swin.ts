// Swin Transformer (Liu et al. 2021, "Hierarchical Vision Transformer using Shifted Windows") as a
// backbone: 4×4 patch embedding (input zero-padded at the bottom/right to a multiple of 4, as
// mmsegmentation's), four stages of blocks alternating plain and shifted window attention, patch
// merging between stages; outputs at strides 4, 8, 16, 32. Keys as timm's swin_transformer.py
// ("patch_embed.{proj,norm}", "layers.i.downsample.{norm,reduction}" for i ≥ 1,
// "layers.i.blocks.j.*"); timm's final "norm" and classifier "head.*" are not part of the backbone.
// Each output goes through a LayerNorm, "out_norms.i" (mmsegmentation's norm0..norm3), which timm
// has not. Runs channels-last inside, as timm.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { DownsampleStage, stageOutputs } from "../../blocks/downsample-stage.js";
import { dropPathSchedule } from "../../blocks/pyramid-transformer.js";
import { PatchMerging } from "./patch-merging.js";
import { SwinBlock, type WindowPadding } from "./swin-block.js";

export interface SwinOptions {
  /** Width of stage 1; stage i has embedDim · 2^i. */
  embedDim: number;
  depths: number[];
  numHeads: number[];
  /** Default 7. */
  windowSize?: number;
  mlpRatio?: number;
  /** Stochastic depth of the last block, rising linearly from 0 (mmsegmentation's UPerNet configs: 0.3). */
  dropPathRate?: number;
  /** Order of window padding and cyclic shift: "pad_then_shift" (mmsegmentation, default) or "shift_then_pad" (timm). */
  windowPadding?: WindowPadding;
  inChannels?: number;
}

const PATCH = 4;

/** timm's PatchEmbed with a norm, channels-last output; the input padded to a multiple of the patch first. */
class PatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;
  readonly norm: nn.LayerNorm;

  constructor(inChannels: number, dim: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, dim, PATCH, { stride: PATCH }));
    this.norm = this.registerModule("norm", new nn.LayerNorm(dim));
  }

  forward(x: Tensor): Tensor {
    const [h, w] = x.shape.slice(2);
    const [padH, padW] = [(PATCH - (h % PATCH)) % PATCH, (PATCH - (w % PATCH)) % PATCH];
    const padded = padH || padW ? torch.constantPadNd(x, [0, padW, 0, padH]) : x;
    return this.norm.call(this.proj.call(padded).permute([0, 2, 3, 1]));
  }
}

/** timm's initialisation: linears and the bias table truncated-normal (std 0.02; a plain normal at that cut), biases 0. */
function initSwin(model: nn.Module): void {
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.normal(m.weight, 0, 0.02);
        if (m.bias) m.bias.zero_();
      }
    }
    for (const [name, p] of model.namedParameters()) if (name.endsWith("relative_position_bias_table")) nn.init.normal(p, 0, 0.02);
  });
}

export class SwinTransformer extends Backbone {
  readonly patch_embed: PatchEmbed;
  readonly layers: nn.ModuleList<DownsampleStage>;
  readonly out_norms: nn.ModuleList<nn.LayerNorm>;
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];

  constructor({ embedDim, depths, numHeads, windowSize = 7, mlpRatio = 4, dropPathRate = 0.1, windowPadding = "pad_then_shift", inChannels = 3 }: SwinOptions) {
    super();
    checkWidth("SwinTransformer", "embedDim", embedDim);
    for (const [key, value] of [["depths", depths], ["numHeads", numHeads]] as const) {
      if (value.length !== 4) throw new RangeError(`SwinTransformer: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
      checkWidth("SwinTransformer", key, [...value]);
    }
    checkWidth("SwinTransformer", "windowSize", windowSize, { min: 2 });
    if (!(mlpRatio > 0)) throw new RangeError(`SwinTransformer: mlpRatio must be > 0, got ${mlpRatio}`);
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`SwinTransformer: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    if (windowPadding !== "pad_then_shift" && windowPadding !== "shift_then_pad") {
      throw new RangeError(`SwinTransformer: windowPadding must be "pad_then_shift" or "shift_then_pad", got ${JSON.stringify(windowPadding)}`);
    }
    const dims = depths.map((_, i) => embedDim * 2 ** i);
    const rates = dropPathSchedule(depths, dropPathRate);
    this.patch_embed = this.registerModule("patch_embed", new PatchEmbed(inChannels, embedDim));
    this.layers = this.registerModule("layers", new nn.ModuleList(dims.map((dim, i) => new DownsampleStage(
      i === 0 ? null : new PatchMerging(dims[i - 1], dim),
      rates[i].map((dropPath, j) => new SwinBlock({ dim, heads: numHeads[i], windowSize, shifted: j % 2 === 1, mlpRatio, dropPath, padding: windowPadding })),
    ))));
    this.out_norms = this.registerModule("out_norms", new nn.ModuleList(dims.map((dim) => new nn.LayerNorm(dim))));
    this.outChannels = dims;
    initSwin(this);
  }

  /** The four stage outputs, channels-last (B, H, W, C), before the output norms (timm's layers). */
  stageOutputs(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`SwinTransformer: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    return stageOutputs(this.patch_embed, this.layers, x);
  }

  forward(x: Tensor): Tensor[] {
    return this.stageOutputs(x).map((f, i) => this.out_norms.at(i).call(f).permute([0, 3, 1, 2]).contiguous());
  }
}
