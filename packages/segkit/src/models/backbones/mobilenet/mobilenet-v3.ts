// MobileNetV3 Large/Small (Howard et al. 2019) in torchvision's layout. The layers are children
// "0".."16" (Large) directly, as torchvision's segmentation models hold `backbone.features`, so the
// keys are theirs: "backbone.4.block.2.fc1.weight". With `dilated`, the last stage keeps stride 16
// and dilates instead (torchvision's dilated=True).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone, checkFrozenStages } from "../backbone.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { InvertedResidualV3, type V3BlockSpec } from "./inverted-residual-v3.js";

// [kernel, expanded, out, squeeze-excite, hardswish, stride] after a 16-channel stem.
type Row = [number, number, number, boolean, boolean, number];
const LARGE: Row[] = [
  [3, 16, 16, false, false, 1], [3, 64, 24, false, false, 2], [3, 72, 24, false, false, 1],
  [5, 72, 40, true, false, 2], [5, 120, 40, true, false, 1], [5, 120, 40, true, false, 1],
  [3, 240, 80, false, true, 2], [3, 200, 80, false, true, 1], [3, 184, 80, false, true, 1],
  [3, 184, 80, false, true, 1], [3, 480, 112, true, true, 1], [3, 672, 112, true, true, 1],
  [5, 672, 160, true, true, 2], [5, 960, 160, true, true, 1], [5, 960, 160, true, true, 1],
];
const SMALL: Row[] = [
  [3, 16, 16, true, false, 2], [3, 72, 24, false, false, 2], [3, 88, 24, false, false, 1],
  [5, 96, 40, true, true, 2], [5, 240, 40, true, true, 1], [5, 240, 40, true, true, 1],
  [5, 120, 48, true, true, 1], [5, 144, 48, true, true, 1], [5, 288, 96, true, true, 2],
  [5, 576, 96, true, true, 1], [5, 576, 96, true, true, 1],
];
const ARCHS = { large: LARGE, small: SMALL };
// How many rows from the end form the last stage (the one `dilated` changes).
const LAST_STAGE = { large: 3, small: 3 };

export interface MobileNetV3Options {
  arch: "large" | "small";
  dilated?: boolean;
  /** Which layers (by index "0".."16") to return; default: the stride-8 tap and the last layer, as LR-ASPP uses. */
  outIndices?: number[];
  /**
   * As mmsegmentation's MobileNetV3 (-1..rows + 1): N >= 0 freezes its layer0..layerN. Its layers are
   * the stem (layer0), one per arch_settings row, then the final 1×1 conv, the same order as
   * torchvision's features, so layerN is layer "N" here.
   */
  frozenStages?: number;
}

export class MobileNetV3 extends Backbone {
  readonly outChannels: number[];
  readonly strides: number[];
  readonly outIndices: number[];
  readonly #layers: nn.Module[] = [];

  constructor({ arch, dilated = false, outIndices, frozenStages = -1 }: MobileNetV3Options) {
    super();
    const rows = ARCHS[arch];
    if (!rows) throw new RangeError(`MobileNetV3: arch must be "large" or "small", got ${JSON.stringify(arch)}`);
    checkFrozenStages(frozenStages, rows.length + 1, "MobileNetV3");
    const bn = { eps: 1e-3, momentum: 0.01 };
    const channels: number[] = [16];
    const strides: number[] = [2];
    this.#add(new ConvNormAct(3, 16, 3, { stride: 2, act: "hardswish", ...bn }));
    let stride = 2;
    rows.forEach(([kernel, expanded, out, se, hs, s], i) => {
      const dilation = dilated && i >= rows.length - LAST_STAGE[arch] ? 2 : 1;
      if (dilation === 1) stride *= s;
      const spec: V3BlockSpec = { inChannels: channels.at(-1)!, kernel, expanded, out, se, hs, stride: s, dilation };
      this.#add(new InvertedResidualV3(spec));
      channels.push(out);
      strides.push(stride);
    });
    const last = channels.at(-1)! * 6;
    this.#add(new ConvNormAct(channels.at(-1)!, last, 1, { act: "hardswish", ...bn }));
    channels.push(last);
    strides.push(stride);
    // The layer where stride 8 begins (torchvision's "C2" tap for LR-ASPP) and the last layer.
    const low = strides.indexOf(8);
    this.outIndices = outIndices ?? [low, this.#layers.length - 1];
    for (const i of this.outIndices) {
      if (!(i >= 0 && i < this.#layers.length)) throw new RangeError(`MobileNetV3: outIndices entry ${i} is out of range 0..${this.#layers.length - 1}`);
    }
    this.outChannels = this.outIndices.map((i) => channels[i]);
    this.strides = this.outIndices.map((i) => strides[i]);
    this.freeze(this.#layers.slice(0, frozenStages + 1));
  }

  #add(layer: nn.Module): void {
    this.#layers.push(this.registerModule(String(this.#layers.length), layer));
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const last = Math.max(...this.outIndices);
    let h = x;
    for (let i = 0; i <= last; i++) {
      h = (this.#layers[i] as nn.Sequential).call(h);
      if (this.outIndices.includes(i)) outs[this.outIndices.indexOf(i)] = h;
    }
    return outs;
  }
}
