// M-Net (Fu et al., "Joint Optic Disc and Cup Segmentation Based on Multi-label Deep Network and
// Polar Transformation", IEEE TMI 2018; Sec. II.B, Fig. 2) as the authors' Keras model defines it
// (HzFu/MNet_DeepCDR, Model_MNet.py): a multi-scale input layer (the image average-pooled to 1/2,
// 1/4, 1/8, each through a 3×3 conv and concatenated with the encoder's pooled maps of that scale), a
// U-shaped network of conv-ReLU pairs (no BN), and side-output layers: a 1×1 classifier on each decoder
// level, upsampled to the input size (nearest). The fused output averages the 4 side outputs (the
// authors average their sigmoid maps; here the side logits, so that any loss applies to them).
// Training weighs the side losses 0.1 each and the fused one 0.6 (the authors' Step_2_MNet_train.py);
// the paper's multi-label loss is the "loss" option (e.g. { type: "dice", mode: "multilabel" }).
// The polar transformation is a data transform: data/transforms/polar.ts.
// Keys: "encoder.N", "scale_inputs.N", "center", "upconvs.N", "decoder.N", "sides.N".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { checkWidth } from "../../blocks/check-width.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

/** Loss weights of the 4 side outputs (coarse to fine) and the fused output. */
const LOSS_WEIGHTS = [0.1, 0.1, 0.1, 0.1, 0.6];

export interface MNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Widths of the 4 encoder levels and the centre (the authors' 32, 64, 128, 256, 512). */
  widths?: number[];
  inChannels?: number;
}

/** Two 3×3 conv-ReLU (with bias, no norm). */
const convPair = (cin: number, cout: number): nn.Sequential =>
  new nn.Sequential(new ConvNormAct(cin, cout, 3, { norm: false }), new ConvNormAct(cout, cout, 3, { norm: false }));

export class MNet extends Segmentor {
  readonly encoder: nn.ModuleList<nn.Sequential>;
  readonly scale_inputs: nn.ModuleList<ConvNormAct>;
  readonly center: nn.Sequential;
  readonly upconvs: nn.ModuleList<nn.ConvTranspose2d>;
  readonly decoder: nn.ModuleList<nn.Sequential>;
  readonly sides: nn.ModuleList<nn.Conv2d>;

  constructor({ widths = [32, 64, 128, 256, 512], inChannels = 3, ...common }: MNetOptions) {
    super({ ...common, divisor: 16 });
    if (!Array.isArray(widths) || widths.length !== 5) throw new RangeError(`MNet: widths must list 4 encoder widths and the centre's, got ${JSON.stringify(widths)}`);
    checkWidth("MNet", "widths", widths);
    const levels = widths.slice(0, 4);
    // Level i > 0 reads its scale's conv (widths[i]) and the pooled level before it (widths[i − 1]).
    this.encoder = this.registerModule("encoder", new nn.ModuleList(levels.map((w, i) => convPair(i === 0 ? inChannels : w + levels[i - 1], w))));
    this.scale_inputs = this.registerModule("scale_inputs", new nn.ModuleList(levels.slice(1).map((w) => new ConvNormAct(inChannels, w, 3, { norm: false }))));
    this.center = this.registerModule("center", convPair(levels[3], widths[4]));
    const ups = [...levels].reverse();
    this.upconvs = this.registerModule("upconvs", new nn.ModuleList(ups.map((w, j) => new nn.ConvTranspose2d(j === 0 ? widths[4] : ups[j - 1], w, 2, { stride: 2 }))));
    this.decoder = this.registerModule("decoder", new nn.ModuleList(ups.map((w) => convPair(2 * w, w))));
    this.sides = this.registerModule("sides", new nn.ModuleList(ups.map((w) => new nn.Conv2d(w, this.numClasses, 1))));
  }

  /** The 4 side outputs' logits at the input size, coarsest (stride 8) first. */
  sideOutputs(x: Tensor): Tensor[] {
    this.checkImage(x);
    const size = x.shape.slice(2);
    const skips: Tensor[] = [];
    let image = x;
    let h = x;
    for (const [i, level] of [...this.encoder].entries()) {
      if (i > 0) {
        image = torch.avgPool2d(image, [2, 2]);
        h = torch.cat([this.scale_inputs.at(i - 1).call(image), torch.maxPool2d(h, [2, 2])], 1);
      }
      h = level.call(h);
      skips.push(h);
    }
    h = this.center.call(torch.maxPool2d(h, [2, 2]));
    return [...this.decoder].map((level, j) => {
      h = level.call(torch.cat([this.upconvs.at(j).call(h), skips[3 - j]], 1));
      return torch.upsampleNearest2d(this.sides.at(j).call(h), size);
    });
  }

  /** The fused output: the mean of the side outputs. */
  forward(x: Tensor): Tensor {
    return fuse(this.sideOutputs(x));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const sides = this.sideOutputs(x);
    const parts: Record<string, Tensor> = {};
    [...sides, fuse(sides)].forEach((logits, i) => {
      parts[i < sides.length ? `side${i + 1}.loss` : "decode.loss"] = this.pixelLoss(logits, target).mul(LOSS_WEIGHTS[i]);
    });
    return parts;
  }
}

function fuse(sides: Tensor[]): Tensor {
  return sides.reduce((sum, side) => sum.add(side)).div(sides.length);
}
