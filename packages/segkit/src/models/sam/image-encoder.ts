// SAM's image encoder (Kirillov et al. 2023): a plain ViT (ViTDet style) over 16×16 patches of the
// padded 1024² image, windowed attention in most blocks and global attention in a few, decomposed
// relative positions, then a neck (1×1 conv, LayerNorm2d, 3×3 conv, LayerNorm2d) down to the
// prompt width. Keys as the authors' ImageEncoderViT (patch_embed.proj, pos_embed, blocks.N.*, neck.*).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { PatchEmbed } from "../backbones/vit/patch-embed.js";
import { LayerNorm2d } from "../blocks/layer-norm-2d.js";
import { MLPBlock } from "./mlp-block.js";
import { WindowedAttention } from "./windowed-attention.js";
import { windowPartition, windowUnpartition } from "./windows.js";

export interface ImageEncoderOptions {
  imgSize: number;
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  outChannels: number;
  /** Side of the attention windows (14 in SAM); the blocks in globalAttnIndexes attend globally. */
  windowSize: number;
  globalAttnIndexes: number[];
  chunkElements?: number;
}

export class ImageEncoderBlock extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: WindowedAttention;
  readonly norm2: nn.LayerNorm;
  readonly mlp: MLPBlock;

  /** windowSize 0: global attention over the `grid`. */
  constructor(dim: number, numHeads: number, mlpRatio: number, readonly windowSize: number, grid: number[], chunkElements?: number) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(dim, { eps: 1e-6 }));
    this.attn = this.registerModule("attn", new WindowedAttention(dim, numHeads, windowSize > 0 ? [windowSize, windowSize] : grid, chunkElements));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(dim, { eps: 1e-6 }));
    this.mlp = this.registerModule("mlp", new MLPBlock(dim, Math.trunc(dim * mlpRatio), new nn.GELU()));
  }

  /** x (B, H, W, dim) → (B, H, W, dim). */
  forward(x: Tensor): Tensor {
    const normed = this.norm1.call(x);
    let attended: Tensor;
    if (this.windowSize > 0) {
      const { windows, padded } = windowPartition(normed, this.windowSize);
      attended = windowUnpartition(this.attn.call(windows), this.windowSize, padded, x.shape.slice(1, 3));
    } else {
      attended = this.attn.call(normed);
    }
    const y = x.add(attended);
    return y.add(this.mlp.call(this.norm2.call(y)));
  }
}

export class ImageEncoderViT extends nn.Module {
  readonly patch_embed: PatchEmbed;
  declare readonly pos_embed: Tensor;
  readonly blocks: nn.ModuleList<ImageEncoderBlock>;
  readonly neck: nn.Sequential;
  readonly imgSize: number;

  constructor({ imgSize, patchSize, embedDim, depth, numHeads, mlpRatio, outChannels, windowSize, globalAttnIndexes, chunkElements }: ImageEncoderOptions) {
    super();
    if (!(Number.isInteger(imgSize) && imgSize % patchSize === 0)) {
      throw new RangeError(`ImageEncoderViT: imgSize (${imgSize}) must be a multiple of patchSize (${patchSize})`);
    }
    this.imgSize = imgSize;
    const grid = [imgSize / patchSize, imgSize / patchSize];
    this.patch_embed = this.registerModule("patch_embed", new PatchEmbed(patchSize, 3, embedDim, false));
    this.registerParameter("pos_embed", torch.zeros([1, grid[0], grid[1], embedDim]));
    this.blocks = this.registerModule("blocks", new nn.ModuleList(Array.from({ length: depth }, (_, i) =>
      new ImageEncoderBlock(embedDim, numHeads, mlpRatio, globalAttnIndexes.includes(i) ? 0 : windowSize, grid, chunkElements))));
    this.neck = this.registerModule("neck", new nn.Sequential(
      new nn.Conv2d(embedDim, outChannels, 1, { bias: false }),
      new LayerNorm2d(outChannels),
      new nn.Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false }),
      new LayerNorm2d(outChannels),
    ));
  }

  /** A preprocessed image batch (B, 3, imgSize, imgSize) → embeddings (B, outChannels, imgSize/16, imgSize/16). */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[2] !== this.imgSize || x.shape[3] !== this.imgSize) {
      throw new RangeError(`ImageEncoderViT: expected a (B, 3, ${this.imgSize}, ${this.imgSize}) batch, got [${x.shape.join(", ")}]`);
    }
    let h = this.patch_embed.call(x).permute([0, 2, 3, 1]).add(this.pos_embed);
    for (const block of this.blocks) h = block.call(h);
    return this.neck.call(h.permute([0, 3, 1, 2]));
  }
}
