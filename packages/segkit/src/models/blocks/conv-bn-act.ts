// Conv → BatchNorm → activation with named children "conv", "bn" (and "activate"): the key layout of
// mmcv's ConvModule and of authors' code that names its layers (STDC's ConvX, BiSeNet's ConvBNReLU),
// where ConvNormAct has torchvision's "0", "1", "2".
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { activation, type Activation, type TensorModule } from "./conv-norm-act.js";

export interface ConvBnActOptions {
  stride?: number;
  dilation?: number;
  /** Default: dilation · (kernelSize // 2) (size kept at stride 1). */
  padding?: number;
  groups?: number;
  /** Default "relu"; null for none. */
  act?: Activation;
  /** BatchNorm momentum (mmsegmentation's Fast-SCNN uses 0.01). */
  momentum?: number;
  /** Default true; false gives ConvModule's norm_cfg None: a conv with bias, no "bn". */
  norm?: boolean;
}

export class ConvBnAct extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly bn: nn.BatchNorm2d | null;
  readonly activate: TensorModule | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvBnActOptions = {}) {
    super();
    const dilation = options.dilation ?? 1;
    const norm = options.norm ?? true;
    this.conv = this.registerModule("conv", new nn.Conv2d(inChannels, outChannels, kernelSize, {
      stride: options.stride ?? 1, padding: options.padding ?? dilation * (kernelSize >> 1), dilation, groups: options.groups ?? 1, bias: !norm,
    }));
    this.bn = norm ? this.registerModule("bn", new nn.BatchNorm2d(outChannels, { momentum: options.momentum ?? 0.1 })) : null;
    const act = activation(options.act === undefined ? "relu" : options.act, outChannels, true);
    this.activate = act && this.registerModule("activate", act);
  }

  forward(x: Tensor): Tensor {
    const conv = this.conv.call(x);
    const y = this.bn ? this.bn.call(conv) : conv;
    return this.activate ? this.activate.call(y) : y;
  }
}
