// ENet's bottlenecks (Paszke et al. 2016). Each has a main branch and an extension branch
// (1×1 reduce → middle conv → 1×1 expand, BN and PReLU between, spatial dropout), summed then activated.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";

const PRELU = { act: "prelu" } as const;

/** Regular, dilated (`dilation` > 1) or asymmetric (`asymmetric`: 5×1 then 1×5) bottleneck keeping the shape. */
export class RegularBottleneck extends nn.Module {
  readonly ext: nn.Sequential;
  readonly act: nn.PReLU;

  constructor(channels: number, { dilation = 1, asymmetric = 0, dropout = 0.1 } = {}) {
    super();
    const mid = channels >> 2;
    const middle = asymmetric > 0
      ? [new ConvNormAct(mid, mid, [asymmetric, 1], { norm: false, act: null }), new ConvNormAct(mid, mid, [1, asymmetric], PRELU)]
      : [new ConvNormAct(mid, mid, 3, { dilation, ...PRELU })];
    this.ext = this.registerModule("ext", new nn.Sequential(
      new ConvNormAct(channels, mid, 1, PRELU), ...middle, new ConvNormAct(mid, channels, 1, { act: null }), new nn.Dropout2d(dropout)));
    this.act = this.registerModule("act", new nn.PReLU({ numParameters: channels }));
  }

  forward(x: Tensor): Tensor {
    return this.act.call(this.ext.call(x).add(x));
  }
}

/** Halves the resolution: the main branch max-pools (keeping the indices) and zero-pads channels. */
export class DownsamplingBottleneck extends nn.Module {
  readonly ext: nn.Sequential;
  readonly act: nn.PReLU;
  readonly #extraChannels: number;

  constructor(inChannels: number, outChannels: number, dropout = 0.1) {
    super();
    const mid = inChannels >> 2 || 1;
    this.#extraChannels = outChannels - inChannels;
    this.ext = this.registerModule("ext", new nn.Sequential(
      new ConvNormAct(inChannels, mid, 2, { stride: 2, ...PRELU }), new ConvNormAct(mid, mid, 3, PRELU),
      new ConvNormAct(mid, outChannels, 1, { act: null }), new nn.Dropout2d(dropout)));
    this.act = this.registerModule("act", new nn.PReLU({ numParameters: outChannels }));
  }

  /** The output and the pooling indices for the matching upsampling bottleneck. */
  forward(x: Tensor): [Tensor, Tensor] {
    const [pooled, indices] = torch.maxPool2dWithIndices(x, [2, 2], [2, 2]);
    const main = torch.constantPadNd(pooled, [0, 0, 0, 0, 0, this.#extraChannels]);
    return [this.act.call(this.ext.call(x).add(main)), indices];
  }
}

/** Doubles the resolution: the main branch unpools to the indices of its downsampling bottleneck. */
export class UpsamplingBottleneck extends nn.Module {
  readonly main: ConvNormAct;
  readonly reduce: ConvNormAct;
  readonly upconv: nn.ConvTranspose2d;
  readonly upnorm: nn.BatchNorm2d;
  readonly upact: nn.PReLU;
  readonly expand: nn.Sequential;

  constructor(inChannels: number, outChannels: number, dropout = 0.1) {
    super();
    const mid = inChannels >> 2;
    this.main = this.registerModule("main", new ConvNormAct(inChannels, outChannels, 1, { act: null }));
    this.reduce = this.registerModule("reduce", new ConvNormAct(inChannels, mid, 1, PRELU));
    this.upconv = this.registerModule("upconv", new nn.ConvTranspose2d(mid, mid, 3, { stride: 2, padding: 1, bias: false }));
    this.upnorm = this.registerModule("upnorm", new nn.BatchNorm2d(mid));
    this.upact = this.registerModule("upact", new nn.PReLU({ numParameters: mid }));
    this.expand = this.registerModule("expand", new nn.Sequential(new ConvNormAct(mid, outChannels, 1, { act: null }), new nn.Dropout2d(dropout)));
  }

  forward(x: Tensor, indices: Tensor): Tensor {
    const size = indices.shape.slice(-2).map((n) => n * 2);
    const main = torch.maxUnpool2d(this.main.call(x), indices, size);
    const up = this.upact.call(this.upnorm.call(this.upconv.call(this.reduce.call(x), size)));
    return this.expand.call(up).add(main).relu();
  }
}
