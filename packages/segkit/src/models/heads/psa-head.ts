// PSANet's head (Zhao et al. 2018, "PSANet: Point-wise Spatial Attention Network for Scene Parsing")
// in mmsegmentation's layout and keys (mmseg/models/decode_heads/psa_head.py, compact false): the
// input reduced to `channels` and shrunk by shrinkFactor, an attention branch predicting an
// mh×mw mask per position, placed on the grid by PSAMask (collect and/or distribute, softmax over
// the source positions), aggregating the reduced features; then "proj" (a 1×1 ConvModule with the
// reference's padding 1), resized back, concatenated with the input into a 3×3 bottleneck.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { psaMask, type PSAMode } from "../blocks/psa-mask.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export type PSAType = PSAMode | "bi-direction";

export interface PSAHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** [mh, mw] of the predicted masks (default 97×97, mmseg's for 769×769 Cityscapes crops). */
  maskSize?: [number, number];
  /** Default "bi-direction" (collect and distribute). */
  psaType?: PSAType;
  /** Default 2. */
  shrinkFactor?: number;
  /** The aggregated features are divided by it (default 1). */
  normalizationFactor?: number;
  /** Default true. */
  psaSoftmax?: boolean;
}

/** The reduction and attention branch of one direction. */
interface Direction {
  reduce: ConvBnAct;
  attention: nn.Sequential;
  mode: PSAMode;
}

export class PSAHead extends DecodeHead {
  readonly reduce: ConvBnAct;
  readonly attention: nn.Sequential;
  readonly reduce_p: ConvBnAct | null = null;
  readonly attention_p: nn.Sequential | null = null;
  readonly proj: ConvBnAct;
  readonly bottleneck: ConvBnAct;
  readonly #directions: Direction[];
  readonly #maskSize: [number, number];
  readonly #shrinkFactor: number;
  readonly #normalizationFactor: number;
  readonly #softmax: boolean;

  constructor(options: PSAHeadOptions) {
    super(options, -1);
    const { inChannels, channels = 512, maskSize = [97, 97], psaType = "bi-direction", shrinkFactor = 2, normalizationFactor = 1, psaSoftmax = true } = options;
    if (!["collect", "distribute", "bi-direction"].includes(psaType)) throw new RangeError(`PSAHead: psaType must be "collect", "distribute" or "bi-direction", got ${JSON.stringify(psaType)}`);
    if (!(maskSize.length === 2 && maskSize.every((s) => Number.isInteger(s) && s >= 1))) throw new RangeError(`PSAHead: maskSize must be [height, width] in positive integers, got ${JSON.stringify(maskSize)}`);
    this.addClassifier(channels);
    const attention = (): nn.Sequential => new nn.Sequential(new ConvBnAct(channels, channels, 1), new nn.Conv2d(channels, maskSize[0] * maskSize[1], 1, { bias: false }));
    this.reduce = this.registerModule("reduce", new ConvBnAct(inChannels, channels, 1));
    this.attention = this.registerModule("attention", attention());
    this.#directions = [{ reduce: this.reduce, attention: this.attention, mode: psaType === "distribute" ? "distribute" : "collect" }];
    if (psaType === "bi-direction") {
      this.reduce_p = this.registerModule("reduce_p", new ConvBnAct(inChannels, channels, 1));
      this.attention_p = this.registerModule("attention_p", attention());
      this.#directions.push({ reduce: this.reduce_p, attention: this.attention_p, mode: "distribute" });
    }
    this.proj = this.registerModule("proj", new ConvBnAct(channels * this.#directions.length, inChannels, 1, { padding: 1 }));
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct(inChannels * 2, channels, 3));
    this.#maskSize = [maskSize[0], maskSize[1]];
    this.#shrinkFactor = shrinkFactor;
    this.#normalizationFactor = normalizationFactor;
    this.#softmax = psaSoftmax;
  }

  forward(features: Tensor[]): Tensor {
    const x = this.input(features);
    let [h, w] = x.shape.slice(2);
    const f = this.#shrinkFactor;
    // The reference's shrinking: odd-sized maps (both sides not divisible) keep their corners aligned.
    const alignCorners = f !== 1 && h % f !== 0 && w % f !== 0;
    if (f !== 1) [h, w] = alignCorners ? [Math.floor((h - 1) / f) + 1, Math.floor((w - 1) / f) + 1] : [Math.floor(h / f), Math.floor(w / f)];
    const aggregated = this.#directions.map(({ reduce, attention, mode }) => {
      const reduced = torch.upsampleBilinear2d(reduce.call(x), [h, w], alignCorners);
      const placed = psaMask(attention.call(reduced), mode, this.#maskSize);
      const weights = this.#softmax ? placed.softmax(1) : placed;
      const [n, c] = reduced.shape;
      return reduced.reshape([n, c, h * w]).bmm(weights.reshape([n, h * w, h * w])).reshape([n, c, h, w]).div(this.#normalizationFactor);
    });
    const projected = torch.upsampleBilinear2d(this.proj.call(torch.cat(aggregated, 1)), x.shape.slice(2), alignCorners);
    return this.classify(this.bottleneck.call(torch.cat([x, projected], 1)));
  }
}

register<DecodeHead>("head", "psa", {
  options: [...HEAD_CONFIG_OPTIONS, "maskSize", "psaType", "shrinkFactor", "normalizationFactor", "psaSoftmax"],
  summary: "PSANet's point-wise spatial attention, collect + distribute (mmsegmentation's PSAHead, compact false; PSAMask with tensor ops)",
  build: (o) => new PSAHead(o as never),
});
