// MSCAN (Guo et al. 2022, "SegNeXt", §3.1): SegNeXt's convolutional encoder. A stem of two 3×3/2
// conv-BN (GELU between) to stride 4, then 3×3/2 conv-BN embeddings; each stage is a stack of MSCA
// blocks and a LayerNorm over channels; outputs at strides 4, 8, 16, 32. Any input size works (every
// conv is padded, grids are ⌈previous / 2⌉). Keys as mmsegmentation's mscan.py ("patch_embed1.proj.
// {0,1,3,4}", "patch_embedI.{proj,norm}", "blockI.J.*", "normI", stages numbered from 1), so its
// MSCAN checkpoints load as they are; initialisation as its init_weights (conv normal(0, √(2 / fan-out))).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { dropPathSchedule, initPyramidTransformer } from "../../blocks/pyramid-transformer.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";
import { MSCABlock } from "./msca-block.js";

export interface MSCANOptions {
  /** Channels of the four stages ([32, 64, 160, 256] for T, [64, 128, 320, 512] for S/B/L). */
  embedDims: number[];
  /** MSCA blocks per stage. */
  depths: number[];
  /** MLP hidden width over the block width, per stage ([8, 8, 4, 4] in every SegNeXt config). */
  mlpRatios?: number[];
  /** Stochastic depth of the last block; it rises linearly from 0 over all blocks (0.1; L: 0.3). */
  dropPathRate?: number;
  inChannels?: number;
}

/** conv 3×3/2 → BN → GELU → conv 3×3/2 → BN (mmseg's StemConv: "proj.0", "proj.1", "proj.3", "proj.4"). */
class StemConv extends nn.Module {
  readonly proj: nn.Sequential;

  constructor(inChannels: number, channels: number) {
    super();
    const half = channels >> 1;
    this.proj = this.registerModule("proj", new nn.Sequential(
      new nn.Conv2d(inChannels, half, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(half), new nn.GELU(),
      new nn.Conv2d(half, channels, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(channels),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.proj.call(x);
  }
}

/** conv 3×3/2 → BN between stages (mmseg's OverlapPatchEmbed: "proj", "norm"). */
class PatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;
  readonly norm: nn.BatchNorm2d;

  constructor(inChannels: number, channels: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, channels, 3, { stride: 2, padding: 1 }));
    this.norm = this.registerModule("norm", new nn.BatchNorm2d(channels));
  }

  forward(x: Tensor): Tensor {
    return this.norm.call(this.proj.call(x));
  }
}

interface Stage {
  embed: StemConv | PatchEmbed;
  blocks: nn.ModuleList<MSCABlock>;
  norm: nn.LayerNorm;
}

export class MSCAN extends Backbone {
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];
  readonly stages: Stage[];

  constructor({ embedDims, depths, mlpRatios = [8, 8, 4, 4], dropPathRate = 0.1, inChannels = 3 }: MSCANOptions) {
    super();
    for (const [key, value] of [["embedDims", embedDims], ["depths", depths], ["mlpRatios", mlpRatios]] as const) {
      if (value.length !== 4) throw new RangeError(`MSCAN: ${key} takes 4 values (one per stage), got ${JSON.stringify(value)}`);
    }
    checkWidth("MSCAN", "embedDims", embedDims, { min: 2, multipleOf: 2 });
    checkWidth("MSCAN", "depths", depths);
    if (!mlpRatios.every((r) => r > 0)) throw new RangeError(`MSCAN: mlpRatios must be > 0, got ${JSON.stringify(mlpRatios)}`);
    if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new RangeError(`MSCAN: dropPathRate must be in [0, 1), got ${dropPathRate}`);
    const rates = dropPathSchedule(depths, dropPathRate);
    const stage = (embedName: string, embed: StemConv | PatchEmbed, blocksName: string, normName: string, i: number): Stage => ({
      embed: this.registerModule(embedName, embed),
      blocks: this.registerModule(blocksName, new nn.ModuleList(rates[i].map((rate) => new MSCABlock(embedDims[i], mlpRatios[i], rate)))),
      norm: this.registerModule(normName, new nn.LayerNorm(embedDims[i])),
    });
    this.stages = [
      stage("patch_embed1", new StemConv(inChannels, embedDims[0]), "block1", "norm1", 0),
      stage("patch_embed2", new PatchEmbed(embedDims[0], embedDims[1]), "block2", "norm2", 1),
      stage("patch_embed3", new PatchEmbed(embedDims[1], embedDims[2]), "block3", "norm3", 2),
      stage("patch_embed4", new PatchEmbed(embedDims[2], embedDims[3]), "block4", "norm4", 3),
    ];
    this.outChannels = [...embedDims];
    initPyramidTransformer(this);
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`MSCAN: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const outputs: Tensor[] = [];
    let h = x;
    for (const { embed, blocks, norm } of this.stages) {
      h = embed.call(h);
      for (const block of blocks) h = block.call(h);
      // The LayerNorm normalises each pixel's channels.
      h = toFeatureMap(norm.call(toTokens(h)), h.shape.slice(2)).contiguous();
      outputs.push(h);
    }
    return outputs;
  }
}
