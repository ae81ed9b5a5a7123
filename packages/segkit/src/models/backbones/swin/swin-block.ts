// The Swin block on channels-last maps (B, H, W, C): LayerNorm → (shifted) window attention →
// stochastic depth → residual, then LayerNorm → MLP → stochastic depth → residual; keys as timm's
// SwinTransformerBlock ("norm1", "attn", "norm2", "mlp.fc1", "mlp.fc2").
//
// Grids that are not multiples of the window are zero-padded at the bottom/right. mmsegmentation's
// Swin (and the Swin authors' segmentation code) pads first and then shifts ("pad_then_shift", the
// default: its UPerNet checkpoints were trained so); timm shifts first and pads the shifted map
// ("shift_then_pad"). The two agree when no padding is needed. Unlike timm (which fixes the input
// size at construction and drops the shift where a grid fits in one window), every block shifts by
// ws/2 on any grid, as mmsegmentation's; the mask is made for each input size.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DropPath } from "../../blocks/drop-path.js";
import { Mlp } from "../vit/mlp.js";
import { WindowAttention } from "./window-attention.js";
import { cyclicShift, mergeWindows, partitionWindows, shiftedWindowMask } from "./windows.js";

export type WindowPadding = "pad_then_shift" | "shift_then_pad";

export interface SwinBlockOptions {
  dim: number;
  heads: number;
  windowSize: number;
  shifted: boolean;
  mlpRatio: number;
  dropPath: number;
  padding: WindowPadding;
}

export class SwinBlock extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: WindowAttention;
  readonly norm2: nn.LayerNorm;
  readonly mlp: Mlp;
  readonly drop_path: DropPath;
  readonly #ws: number;
  readonly #shift: number;
  readonly #padding: WindowPadding;

  constructor({ dim, heads, windowSize, shifted, mlpRatio, dropPath, padding }: SwinBlockOptions) {
    super();
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(dim));
    this.attn = this.registerModule("attn", new WindowAttention(dim, heads, windowSize));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(dim));
    this.mlp = this.registerModule("mlp", new Mlp(dim, Math.floor(dim * mlpRatio)));
    this.drop_path = this.registerModule("drop_path", new DropPath(dropPath));
    this.#ws = windowSize;
    this.#shift = shifted ? windowSize >> 1 : 0;
    this.#padding = padding;
  }

  #windowAttention(x: Tensor): Tensor {
    const [, h, w] = x.shape;
    const ws = this.#ws;
    const shift = this.#shift;
    const [padH, padW] = [(ws - (h % ws)) % ws, (ws - (w % ws)) % ws];
    const pad = (t: Tensor): Tensor => (padH || padW ? torch.constantPadNd(t, [0, 0, 0, padW, 0, padH]) : t);
    const roll = (t: Tensor, s: number): Tensor => (shift ? cyclicShift(t, s) : t);
    const crop = (t: Tensor): Tensor => (padH || padW ? t.slice(1, 0, h).slice(2, 0, w) : t);
    const padded = this.#padding === "pad_then_shift" ? roll(pad(x), -shift) : pad(roll(x, -shift));
    const grid = [h + padH, w + padW];
    const mask = shift ? shiftedWindowMask(grid, ws, shift) : null;
    const attended = mergeWindows(this.attn.call(partitionWindows(padded, ws), mask), ws, grid);
    return this.#padding === "pad_then_shift" ? crop(roll(attended, shift)) : roll(crop(attended), shift);
  }

  forward(x: Tensor): Tensor {
    const y = x.add(this.drop_path.call(this.#windowAttention(this.norm1.call(x))));
    return y.add(this.drop_path.call(this.mlp.call(this.norm2.call(y))));
  }
}
