// ENet (Paszke et al. 2016): an initial block (strided conv ‖ max-pool), two downsampling stages of
// bottlenecks (regular, dilated 2/4/8/16, asymmetric 5), a repeat of stage 2 without downsampling, two
// upsampling stages that unpool with the saved indices, and a transposed-conv classifier.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { DownsamplingBottleneck, RegularBottleneck, UpsamplingBottleneck } from "./bottlenecks.js";

export interface ENetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Widths after the initial block, stage 1 and stage 2 (16, 64, 128 in the paper). */
  widths?: [number, number, number];
}

/** Stage 2/3's pattern: regular, dilated 2, asymmetric 5, dilated 4, regular, dilated 8, asymmetric 5, dilated 16. */
function contextBottlenecks(channels: number): RegularBottleneck[] {
  return [{}, { dilation: 2 }, { asymmetric: 5 }, { dilation: 4 }, {}, { dilation: 8 }, { asymmetric: 5 }, { dilation: 16 }]
    .map((o) => new RegularBottleneck(channels, o));
}

export class ENet extends Segmentor {
  readonly initial_conv: nn.Conv2d;
  readonly initial_norm: nn.BatchNorm2d;
  readonly initial_act: nn.PReLU;
  readonly down1: DownsamplingBottleneck;
  readonly stage1: nn.Sequential;
  readonly down2: DownsamplingBottleneck;
  readonly stage2: nn.Sequential;
  readonly stage3: nn.Sequential;
  readonly up4: UpsamplingBottleneck;
  readonly stage4: nn.Sequential;
  readonly up5: UpsamplingBottleneck;
  readonly stage5: nn.Sequential;
  readonly fullconv: nn.ConvTranspose2d;

  constructor({ widths = [16, 64, 128], ...common }: ENetOptions) {
    super({ ...common, divisor: 8 });
    const [c0, c1, c2] = widths;
    if (!(c0 > 3)) throw new RangeError(`ENet: widths[0] must exceed the 3 image channels, got ${c0}`);
    this.initial_conv = this.registerModule("initial_conv", new nn.Conv2d(3, c0 - 3, 3, { stride: 2, padding: 1, bias: false }));
    this.initial_norm = this.registerModule("initial_norm", new nn.BatchNorm2d(c0));
    this.initial_act = this.registerModule("initial_act", new nn.PReLU({ numParameters: c0 }));
    this.down1 = this.registerModule("down1", new DownsamplingBottleneck(c0, c1, 0.01));
    this.stage1 = this.registerModule("stage1", new nn.Sequential(...Array.from({ length: 4 }, () => new RegularBottleneck(c1, { dropout: 0.01 }))));
    this.down2 = this.registerModule("down2", new DownsamplingBottleneck(c1, c2));
    this.stage2 = this.registerModule("stage2", new nn.Sequential(...contextBottlenecks(c2)));
    this.stage3 = this.registerModule("stage3", new nn.Sequential(...contextBottlenecks(c2)));
    this.up4 = this.registerModule("up4", new UpsamplingBottleneck(c2, c1));
    this.stage4 = this.registerModule("stage4", new nn.Sequential(new RegularBottleneck(c1), new RegularBottleneck(c1)));
    this.up5 = this.registerModule("up5", new UpsamplingBottleneck(c1, c0));
    this.stage5 = this.registerModule("stage5", new nn.Sequential(new RegularBottleneck(c0)));
    this.fullconv = this.registerModule("fullconv", new nn.ConvTranspose2d(c0, this.numClasses, 3, { stride: 2, padding: 1, outputPadding: 1 }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const initial = torch.cat([this.initial_conv.call(x), torch.maxPool2d(x, [2, 2])], 1);
    let h = this.initial_act.call(this.initial_norm.call(initial));
    const [d1, indices1] = this.down1.call(h);
    h = this.stage1.call(d1);
    const [d2, indices2] = this.down2.call(h);
    h = this.stage3.call(this.stage2.call(d2));
    h = this.stage4.call(this.up4.call(h, indices2));
    h = this.stage5.call(this.up5.call(h, indices1));
    return this.fullconv.call(h);
  }
}
