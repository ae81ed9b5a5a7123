// U²-Net (Qin et al. 2020, "U²-Net: Going Deeper with Nested U-Structure for Salient Object
// Detection") as the authors' model/u2net.py builds it, keys included: six encoder stages of residual
// U-blocks (RSU-7, -6, -5, -4, -4F, -4F; "stage1".."stage6", 2×2 ceil-mode max-pools between), five
// decoder stages ("stage5d".."stage1d", each on the upsampled stage below concatenated with the
// encoder's map), a 3×3 side conv on each decoder stage and on stage6 ("side1".."side6", upsampled to
// the input) and a 1×1 conv fusing the six ("outconv"). The authors predict one saliency channel
// through a sigmoid; here the side convs predict numClasses logits (numClasses 1 is their form).
// Training supervises the fused and the six side outputs with equal weights, as their loss does.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { RSU } from "./rsu.js";

/** Inner (mid) and output width of one stage. */
export type StageWidths = [number, number];

export interface U2NetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** [mid, out] of stage1..stage6 (the full model: [32, 64], [32, 128], [64, 256], [128, 512], [256, 512], [256, 512]). */
  encoderChannels?: StageWidths[];
  /** [mid, out] of stage1d..stage5d (the full model: [16, 64], [32, 64], [64, 128], [128, 256], [256, 512]). */
  decoderChannels?: StageWidths[];
  inChannels?: number;
}

export const U2NET_OPTIONS = ["encoderChannels", "decoderChannels", "inChannels"];

/** RSU heights of stage1..stage6 (0 marks RSU-4F); stage{i}d uses stage{i}'s. */
const HEIGHTS = [7, 6, 5, 4, 0, 0];
const STAGES = 6;

function rsu(stage: number, inChannels: number, [midChannels, outChannels]: StageWidths): RSU {
  const height = HEIGHTS[stage];
  return new RSU({ height: height || 4, dilated: height === 0, inChannels, midChannels, outChannels });
}

function checkStages(key: string, stages: StageWidths[], count: number): void {
  if (!Array.isArray(stages) || stages.length !== count || !stages.every((s) => Array.isArray(s) && s.length === 2)) {
    throw new RangeError(`U2Net: ${key} must list ${count} [mid, out] pairs, got ${JSON.stringify(stages)}`);
  }
  checkWidth("U2Net", key, stages.flat());
}

export class U2Net extends Segmentor {
  readonly #encoder: RSU[] = [];
  /** #decoder[i] is stage{i+1}d. */
  readonly #decoder: RSU[] = [];
  readonly #sides: nn.Conv2d[] = [];
  readonly outconv: nn.Conv2d;

  constructor({
    encoderChannels = [[32, 64], [32, 128], [64, 256], [128, 512], [256, 512], [256, 512]],
    decoderChannels = [[16, 64], [32, 64], [64, 128], [128, 256], [256, 512]],
    inChannels = 3, ...common
  }: U2NetOptions) {
    super(common);
    if (this.numClasses === 1 && common.loss) throw new RangeError("U2Net: with numClasses 1 (the authors' saliency form) the loss is their binary cross-entropy; leave loss unset");
    checkStages("encoderChannels", encoderChannels, STAGES);
    checkStages("decoderChannels", decoderChannels, STAGES - 1);
    let cin = inChannels;
    encoderChannels.forEach((widths, i) => {
      this.#encoder.push(this.registerModule(`stage${i + 1}`, rsu(i, cin, widths)));
      cin = widths[1];
    });
    // The decoder, from stage5d up, each on the stage below's output and the encoder's skip.
    for (let i = STAGES - 2; i >= 0; i--) {
      this.#decoder[i] = this.registerModule(`stage${i + 1}d`, rsu(i, cin + encoderChannels[i][1], decoderChannels[i]));
      cin = decoderChannels[i][1];
    }
    const sideInputs = [...decoderChannels.map((widths) => widths[1]), encoderChannels[STAGES - 1][1]];
    sideInputs.forEach((c, i) => this.#sides.push(this.registerModule(`side${i + 1}`, new nn.Conv2d(c, this.numClasses, 3, { padding: 1 }))));
    this.outconv = this.registerModule("outconv", new nn.Conv2d(STAGES * this.numClasses, this.numClasses, 1));
  }

  /** The fused logits, then side1..side6's, all at the input's size (the authors' d0, d1..d6 before their sigmoid). */
  outputs(x: Tensor): Tensor[] {
    this.checkImage(x);
    const skips: Tensor[] = [];
    let h = x;
    this.#encoder.forEach((stage, i) => {
      if (i > 0) h = torch.maxPool2d(h, [2, 2], [2, 2], [0, 0], [1, 1], true);
      skips.push((h = stage.call(h)));
    });
    // Decoder maps of stage1d..stage5d, then stage6's, in side order.
    const maps: Tensor[] = [h];
    for (let i = STAGES - 2; i >= 0; i--) {
      maps.unshift((h = this.#decoder[i].call(torch.cat([resize(h, spatial(skips[i])), skips[i]], 1))));
    }
    const size = spatial(maps[0]);
    const sides = maps.map((m, i) => resize(this.#sides[i].call(m), size));
    return [this.outconv.call(torch.cat(sides, 1)), ...sides];
  }

  forward(x: Tensor): Tensor {
    return this.outputs(x)[0];
  }

  /** Each of the seven outputs by the segmentor's loss (numClasses 1: the authors' binary cross-entropy of label 1). */
  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const parts: Record<string, Tensor> = {};
    this.outputs(x).forEach((logits, i) => {
      parts[`decode.loss${i}`] = this.numClasses === 1 ? this.#saliencyLoss(logits, target) : this.pixelLoss(logits, target);
    });
    return parts;
  }

  /** Binary cross-entropy of the one-channel logits against label 1, mean over the pixels not ignored. */
  #saliencyLoss(logits: Tensor, target: Tensor): Tensor {
    const valid = target.ne(this.ignoreIndex).unsqueeze(1).to(logits.dtype);
    const truth = target.eq(1).unsqueeze(1).to(logits.dtype);
    const losses = torch.binaryCrossEntropyWithLogits(logits, truth, valid, null, 0);
    return losses.sum().div(valid.sum().clampMin(1));
  }
}
