// DeconvNet (Noh, Hong & Han, "Learning Deconvolution Network for Semantic Segmentation", ICCV 2015;
// Fig. 2 and Table 1): VGG-16's 13 convs with 2×2 max-pools that keep their switches, fc6 (a 7×7
// valid conv: 1×1 at 224² input) and fc7 (1×1) as convolutions, then the mirrored deconvolution
// network: deconv-fc6 (7×7 transposed conv back to pool5's size) and, per stage from the deepest,
// unpooling to the recorded switches followed by 3×3 deconvolutions, and a 1×1 classifier. Sec. 4.1
// puts batch normalization after every convolution and deconvolution. The paper segments object
// proposals; this is the network alone, applied to whole images.
// Keys: "encoder.N.M", "fc6", "fc7", "deconv_fc6", "decoder.N.M", "classifier".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { checkWidth } from "../../blocks/check-width.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { STAGE_CONVS, stage } from "../segnet/model.js";

export interface DeconvNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Widths of the 5 VGG-16 stages (64, 128, 256, 512, 512). */
  widths?: number[];
  /** Width of fc6 and fc7 (4096). */
  fcChannels?: number;
  /** Kernel of fc6 and deconv-fc6 (7); inputs need sides of at least 32 × fcKernel. */
  fcKernel?: number;
  inChannels?: number;
}

export const DECONVNET_OPTIONS = ["widths", "fcChannels", "fcKernel", "inChannels"];

/** `conv` (no bias) → BatchNorm → ReLU. */
function withNormAct(conv: nn.Module, channels: number): nn.Sequential {
  return new nn.Sequential(conv, new nn.BatchNorm2d(channels), new nn.ReLU({ inplace: true }));
}

/** A 3×3 stride-1 deconvolution (transposed conv) that keeps the size, with BN and ReLU. */
const deconv = (cin: number, cout: number): nn.Sequential => withNormAct(new nn.ConvTranspose2d(cin, cout, 3, { padding: 1, bias: false }), cout);

export class DeconvNet extends Segmentor {
  readonly encoder: nn.ModuleList<nn.Sequential>;
  readonly fc6: nn.Sequential;
  readonly fc7: ConvNormAct;
  readonly deconv_fc6: nn.Sequential;
  readonly decoder: nn.ModuleList<nn.Sequential>;
  readonly classifier: nn.Conv2d;
  readonly fcKernel: number;

  constructor({ widths = [64, 128, 256, 512, 512], fcChannels = 4096, fcKernel = 7, inChannels = 3, ...common }: DeconvNetOptions) {
    super({ ...common, divisor: 32 });
    if (!Array.isArray(widths) || widths.length !== 5) throw new RangeError(`DeconvNet: widths must list 5 stage widths, got ${JSON.stringify(widths)}`);
    checkWidth("DeconvNet", "widths", widths);
    checkWidth("DeconvNet", "fcChannels", fcChannels);
    checkWidth("DeconvNet", "fcKernel", fcKernel);
    this.fcKernel = fcKernel;
    const ins = [inChannels, ...widths.slice(0, -1)];
    this.encoder = this.registerModule("encoder", new nn.ModuleList(widths.map((w, i) => stage(ins[i], w, STAGE_CONVS[i], "first"))));
    this.fc6 = this.registerModule("fc6", withNormAct(new nn.Conv2d(widths[4], fcChannels, fcKernel, { bias: false }), fcChannels));
    this.fc7 = this.registerModule("fc7", new ConvNormAct(fcChannels, fcChannels, 1));
    this.deconv_fc6 = this.registerModule("deconv_fc6", withNormAct(new nn.ConvTranspose2d(fcChannels, widths[4], fcKernel, { bias: false }), widths[4]));
    // Decoder stage i (deepest first) maps widths[i] to the width of the stage before it (Table 1:
    // deconv4-3 gives 256 channels, deconv1-2 64).
    const outs = [widths[0], ...widths.slice(0, -1)];
    this.decoder = this.registerModule("decoder", new nn.ModuleList(widths.map((w, i) => stage(w, outs[i], STAGE_CONVS[i], "last", deconv)).reverse()));
    this.classifier = this.registerModule("classifier", new nn.Conv2d(widths[0], this.numClasses, 1));
  }

  /** Every stage's output in order, named as in the paper's Table 1 ("conv1", "pool1", …, "fc6", "fc7", "deconv_fc6", "unpool5", "deconv5", …, "deconv1", "output"). */
  stageOutputs(x: Tensor): [string, Tensor][] {
    this.checkImage(x);
    const [h, w] = x.shape.slice(2);
    if (Math.min(h, w) < 32 * this.fcKernel) {
      throw new RangeError(`DeconvNet: fc6 is a ${this.fcKernel}×${this.fcKernel} valid conv on pool5 (1/32 of the input), so input sides must be at least ${32 * this.fcKernel}, got ${h}×${w}`);
    }
    const outputs: [string, Tensor][] = [];
    const switches: Tensor[] = [];
    let t = x;
    for (const [i, encode] of [...this.encoder].entries()) {
      t = encode.call(t);
      outputs.push([`conv${i + 1}`, t]);
      const [pooled, where] = torch.maxPool2dWithIndices(t, [2, 2], [2, 2]);
      switches.push(where);
      t = pooled;
      outputs.push([`pool${i + 1}`, t]);
    }
    t = this.fc6.call(t);
    outputs.push(["fc6", t]);
    t = this.fc7.call(t);
    outputs.push(["fc7", t]);
    t = this.deconv_fc6.call(t);
    outputs.push(["deconv_fc6", t]);
    for (const [i, decode] of [...this.decoder].entries()) {
      const level = 5 - i;
      const where = switches[level - 1];
      t = torch.maxUnpool2d(t, where, where.shape.slice(-2).map((n) => n * 2));
      outputs.push([`unpool${level}`, t]);
      t = decode.call(t);
      outputs.push([`deconv${level}`, t]);
    }
    outputs.push(["output", this.classifier.call(t)]);
    return outputs;
  }

  forward(x: Tensor): Tensor {
    return this.stageOutputs(x).at(-1)![1];
  }
}
