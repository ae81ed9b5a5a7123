// FCN-32s/16s/8s (Long et al. 2015) on VGG-16: fc6/fc7 as convolutions, a score layer, and learned
// 2× upsamplings (bilinear-initialized transposed convs) fused with scores of pool4 (16s) and pool3
// (8s), then one final upsampling to the input size. Sizes are kept aligned by same-padding instead
// of the original 100-pixel padding and crops, so inputs must be multiples of 32.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { VGG16 } from "../../backbones/vgg/vgg.js";
import { initBilinear } from "../../blocks/bilinear-kernel.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

export interface FCNVGGOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Output stride of the last fusion: 32, 16 or 8. */
  variant?: 32 | 16 | 8;
  batchNorm?: boolean;
  widths?: number[];
  fcChannels?: number;
}

/** A transposed conv that upsamples exactly `factor`×, initialized bilinear. */
const upsampler = (channels: number, factor: number): nn.ConvTranspose2d =>
  initBilinear(new nn.ConvTranspose2d(channels, channels, 2 * factor, { stride: factor, padding: factor / 2, bias: false }));

export class FCNVGG extends Segmentor {
  readonly backbone: VGG16;
  readonly fc: nn.Sequential;
  readonly score_fr: nn.Conv2d;
  /** Score layers of pool4 and pool3, as many as the variant fuses. */
  readonly score_pool: nn.ModuleList<nn.Conv2d>;
  readonly upscore2: nn.ModuleList<nn.ConvTranspose2d>;
  readonly upscore_final: nn.ConvTranspose2d;

  constructor({ variant = 8, batchNorm = false, widths, fcChannels = 4096, ...common }: FCNVGGOptions) {
    super({ ...common, divisor: 32 });
    if (![32, 16, 8].includes(variant)) throw new RangeError(`FCNVGG: variant must be 32, 16 or 8, got ${variant}`);
    this.backbone = this.registerModule("backbone", new VGG16({ batchNorm, widths }));
    const chans = this.backbone.outChannels;
    this.fc = this.registerModule("fc", new nn.Sequential(
      new ConvNormAct(chans[4], fcChannels, 7, { norm: false }), new nn.Dropout2d(0.5),
      new ConvNormAct(fcChannels, fcChannels, 1, { norm: false }), new nn.Dropout2d(0.5)));
    this.score_fr = this.registerModule("score_fr", new nn.Conv2d(fcChannels, this.numClasses, 1));
    const fused = variant === 32 ? 0 : variant === 16 ? 1 : 2;
    this.score_pool = this.registerModule("score_pool", new nn.ModuleList([chans[3], chans[2]].slice(0, fused).map((c) => new nn.Conv2d(c, this.numClasses, 1))));
    this.upscore2 = this.registerModule("upscore2", new nn.ModuleList(Array.from({ length: fused }, () => upsampler(this.numClasses, 2))));
    this.upscore_final = this.registerModule("upscore_final", upsampler(this.numClasses, variant));
  }


  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const pools = this.backbone.call(x);
    let score = this.score_fr.call(this.fc.call(pools[4]));
    // pool4 then pool3: each fusion doubles the resolution and adds that pool's scores.
    for (const [i, scorePool] of [...this.score_pool].entries()) {
      score = this.upscore2.at(i).call(score).add(scorePool.call(pools[3 - i]));
    }
    return this.upscore_final.call(score);
  }
}
