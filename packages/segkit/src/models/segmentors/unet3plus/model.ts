// UNet 3+ (Huang et al. 2020, "UNet 3+: A Full-Scale Connected UNet for Medical Image Segmentation")
// as the authors' models/UNet_3Plus.py builds it, keys included. The encoder is U-Net's (conv1..conv5,
// two 3×3 conv-BN-ReLU each, 2×2 max-pools). Each decoder stage d (4 down to 1) sees every scale: the
// finer encoder maps max-pooled to its size ("h{s}_PT_hd{d}"), the encoder map of its own size
// ("h{d}_Cat_hd{d}") and the coarser decoder maps (and conv5's) upsampled bilinearly
// ("hd{s}_UT_hd{d}"), each through a 3×3 conv-BN-ReLU to catChannels; the five are concatenated and
// fused by a 3×3 conv-BN-ReLU ("conv{d}d_1", "bn{d}d_1"). A 3×3 classifier on hd1 ("outconv1") gives
// the logits. Deep supervision adds classifiers on hd2..hd4 and conv5 ("outconv2".."outconv5"),
// upsampled to the input, whose losses are summed with hd1's. The classification-guided module
// ("cls": dropout, 1×1 conv to 2, global max-pool, sigmoid) predicts whether the image holds anything
// but background; its argmax (0 or 1) multiplies every output, as the authors' forward does, so an
// image judged empty gets all-zero logits, which argmax reads as class 0 (background). It is trained
// by binary cross-entropy against that presence (no gradient reaches it through the argmax).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

export interface UNet3PlusOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Encoder widths of conv1..conv5 (the authors' 64, 128, 256, 512, 1024). */
  filters?: number[];
  /** Width of each of the five maps a decoder stage concatenates (the authors' filters[0]). */
  catChannels?: number;
  inChannels?: number;
  /** Classifiers on hd2..hd4 and conv5, supervised with hd1's (UNet_3Plus_DeepSup). */
  deepSupervision?: boolean;
  /** The classification-guided module (UNet_3Plus_DeepSup_CGM; needs deepSupervision). */
  classGuided?: boolean;
}

export const UNET3PLUS_OPTIONS = ["filters", "catChannels", "inChannels", "deepSupervision", "classGuided"];

const LEVELS = 5;

/** The authors' unetConv2: two 3×3 conv (with bias)-BN-ReLU, keys conv1/conv2 as "0"/"1"/"2". */
class UNetConv2 extends nn.Module {
  readonly conv1: ConvNormAct;
  readonly conv2: ConvNormAct;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv1 = this.registerModule("conv1", new ConvNormAct(inChannels, outChannels, 3, { bias: true }));
    this.conv2 = this.registerModule("conv2", new ConvNormAct(outChannels, outChannels, 3, { bias: true }));
  }

  forward(x: Tensor): Tensor {
    return this.conv2.call(this.conv1.call(x));
  }
}

/** The authors' AdaptiveMaxPool2d(1) as a max over H and W (an ONNX ReduceMax for any input size). */
class GlobalMaxPool extends nn.Module {
  forward(x: Tensor): Tensor {
    return torch.amax(x, [2, 3], true);
  }
}

/** One input of a decoder stage: the source map resampled to the stage's size, then conv-BN-ReLU. */
interface StageInput {
  conv: nn.Conv2d;
  bn: nn.BatchNorm2d;
}

interface DecoderStage {
  inputs: StageInput[];
  conv: nn.Conv2d;
  bn: nn.BatchNorm2d;
}

export class UNet3Plus extends Segmentor {
  readonly #encoder: UNetConv2[] = [];
  /** #stages[d − 1] is decoder stage hd{d}, d = 1..4. */
  readonly #stages: DecoderStage[] = [];
  /** #heads[d − 1] is outconv{d}. */
  readonly #heads: nn.Conv2d[] = [];
  readonly #cls: nn.Sequential | null = null;

  constructor({
    filters = [64, 128, 256, 512, 1024], catChannels = filters[0], inChannels = 3,
    deepSupervision = false, classGuided = false, ...common
  }: UNet3PlusOptions) {
    super({ ...common, divisor: 2 ** (LEVELS - 1) });
    if (!Array.isArray(filters) || filters.length !== LEVELS) throw new RangeError(`UNet3Plus: filters must list ${LEVELS} widths, got ${JSON.stringify(filters)}`);
    checkWidth("UNet3Plus", "filters", filters);
    checkWidth("UNet3Plus", "catChannels", catChannels);
    if (classGuided && !deepSupervision) throw new RangeError("UNet3Plus: classGuided needs deepSupervision (the authors' UNet_3Plus_DeepSup_CGM)");
    filters.forEach((c, i) => this.#encoder.push(this.registerModule(`conv${i + 1}`, new UNetConv2(i === 0 ? inChannels : filters[i - 1], c))));
    const upChannels = catChannels * LEVELS;
    // Channels of source s (1-based) as stage d sees it: encoder maps up to d, decoder maps (and conv5's) above.
    const sourceChannels = (s: number, d: number) => (s <= d || s === LEVELS ? filters[s - 1] : upChannels);
    for (let d = LEVELS - 1; d >= 1; d--) {
      const inputs: StageInput[] = [];
      for (let s = 1; s <= LEVELS; s++) {
        const name = s < d ? `h${s}_PT_hd${d}` : s === d ? `h${d}_Cat_hd${d}` : `hd${s}_UT_hd${d}`;
        inputs.push({
          conv: this.registerModule(`${name}_conv`, new nn.Conv2d(sourceChannels(s, d), catChannels, 3, { padding: 1 })),
          bn: this.registerModule(`${name}_bn`, new nn.BatchNorm2d(catChannels)),
        });
      }
      this.#stages[d - 1] = {
        inputs,
        conv: this.registerModule(`conv${d}d_1`, new nn.Conv2d(upChannels, upChannels, 3, { padding: 1 })),
        bn: this.registerModule(`bn${d}d_1`, new nn.BatchNorm2d(upChannels)),
      };
    }
    const heads = deepSupervision ? LEVELS : 1;
    for (let d = 1; d <= heads; d++) {
      this.#heads.push(this.registerModule(`outconv${d}`, new nn.Conv2d(d === LEVELS ? filters[LEVELS - 1] : upChannels, this.numClasses, 3, { padding: 1 })));
    }
    if (classGuided) {
      this.#cls = this.registerModule("cls", new nn.Sequential(
        new nn.Dropout(0.5), new nn.Conv2d(filters[LEVELS - 1], 2, 1), new GlobalMaxPool(), new nn.Sigmoid()));
    }
  }

  /** Logits of outconv1, then (deep supervision) outconv2..outconv5 upsampled to the input; the CGM's presence probabilities (N, 2) last, when it has one. */
  outputs(x: Tensor): { logits: Tensor[]; presence: Tensor | null } {
    this.checkImage(x);
    const encoded: Tensor[] = [];
    this.#encoder.forEach((block, i) => encoded.push(block.call(i === 0 ? x : torch.maxPool2d(encoded[i - 1], [2, 2]))));
    // maps[s − 1]: source s as the decoder sees it (hd{s} once decoded, h{s} below that).
    const maps = [...encoded];
    for (let d = LEVELS - 1; d >= 1; d--) {
      const size = spatial(encoded[d - 1]);
      const stage = this.#stages[d - 1];
      const inputs = stage.inputs.map(({ conv, bn }, i) => {
        const s = i + 1;
        const source = s < d ? torch.maxPool2d(encoded[i], [2 ** (d - s), 2 ** (d - s)], [2 ** (d - s), 2 ** (d - s)], [0, 0], [1, 1], true)
          : s === d ? encoded[i] : resize(maps[i], size);
        return torch.relu(bn.call(conv.call(source)));
      });
      maps[d - 1] = torch.relu(stage.bn.call(stage.conv.call(torch.cat(inputs, 1))));
    }
    const size = spatial(x);
    let logits = this.#heads.map((head, i) => resize(head.call(maps[i]), size));
    if (!this.#cls) return { logits, presence: null };
    const presence = this.#cls.call(encoded[LEVELS - 1]).flatten(1);
    const gate = presence.argmax(1).to(x.dtype).reshape([-1, 1, 1, 1]);
    logits = logits.map((l) => l.mul(gate));
    return { logits, presence };
  }

  forward(x: Tensor): Tensor {
    return this.outputs(x).logits[0];
  }

  /** Every output by the segmentor's loss, summed; the CGM's binary cross-entropy against presence. */
  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const { logits, presence } = this.outputs(x);
    const parts: Record<string, Tensor> = {};
    logits.forEach((l, i) => {
      parts[logits.length === 1 ? "decode.loss" : `decode.loss${i + 1}`] = this.pixelLoss(l, target);
    });
    if (presence) parts["cls.loss"] = torch.binaryCrossEntropy(presence, this.#presence(target), null, 1);
    return parts;
  }

  /** (N, 2): [absent, present] per image, present when a pixel holds a class other than 0 and the ignore index. */
  #presence(target: Tensor): Tensor {
    return torch.noGrad(() => {
      const present = target.ne(0).logicalAnd(target.ne(this.ignoreIndex)).flatten(1).any(1).to("float32").unsqueeze(1);
      return torch.cat([present.rsub(1), present], 1);
    });
  }
}
