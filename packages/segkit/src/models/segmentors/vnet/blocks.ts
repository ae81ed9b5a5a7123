// V-Net's parts (Milletari et al. 2016) with MONAI's module names (monai/networks/nets/vnet.py), so
// its state dicts load as they are: 5×5×5 convolutions with BatchNorm ("conv_block": MONAI's
// Convolution, whose norm sits in "adn.N"), residual stages of them ("ops"), strided 2×2×2
// down-convolutions and transposed up-convolutions.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export type VNetActivation = "elu" | "prelu" | "relu";

export function activation(kind: VNetActivation, channels: number): nn.Module & { forward(x: Tensor): Tensor } {
  if (kind === "prelu") return new nn.PReLU({ numParameters: channels });
  return kind === "relu" ? new nn.ReLU() : new nn.ELU();
}

/** MONAI's ADN with only a norm: the BatchNorm under the key "N". */
class NormOnly extends nn.Module {
  readonly N: nn.BatchNorm3d;
  constructor(channels: number) {
    super();
    this.N = this.registerModule("N", new nn.BatchNorm3d(channels));
  }
  forward(x: Tensor): Tensor { return this.N.call(x); }
}

/** A 5×5×5 convolution ("same" size) then BatchNorm: MONAI's Convolution(kernel_size=5, act=None, norm=BATCH). */
export class ConvBlock extends nn.Module {
  readonly conv: nn.Conv3d;
  readonly adn: NormOnly;
  constructor(inChannels: number, outChannels: number, bias: boolean) {
    super();
    this.conv = this.registerModule("conv", new nn.Conv3d(inChannels, outChannels, 5, { padding: 2, bias }));
    this.adn = this.registerModule("adn", new NormOnly(outChannels));
  }
  forward(x: Tensor): Tensor { return this.adn.call(this.conv.call(x)); }
}

/** ConvBlock then the activation: one convolution of a stage (MONAI's LUConv). */
export class LUConv extends nn.Module {
  readonly conv_block: ConvBlock;
  readonly act_function: nn.Module & { forward(x: Tensor): Tensor };
  constructor(channels: number, act: VNetActivation, bias: boolean) {
    super();
    this.act_function = this.registerModule("act_function", activation(act, channels));
    this.conv_block = this.registerModule("conv_block", new ConvBlock(channels, channels, bias));
  }
  forward(x: Tensor): Tensor { return this.act_function.call(this.conv_block.call(x)); }
}

function stage(channels: number, depth: number, act: VNetActivation, bias: boolean): nn.Sequential {
  return new nn.Sequential(...Array.from({ length: depth }, () => new LUConv(channels, act, bias)));
}

function dropout(p: number | null): nn.Dropout3d | null {
  return p === null ? null : new nn.Dropout3d(p);
}

/** The first stage: a 5×5×5 conv to `outChannels`, plus the input repeated to that width (a residual). */
export class InputTransition extends nn.Module {
  readonly conv_block: ConvBlock;
  readonly act_function: nn.Module & { forward(x: Tensor): Tensor };
  constructor(readonly inChannels: number, readonly outChannels: number, act: VNetActivation, bias: boolean) {
    super();
    if (outChannels % inChannels !== 0) throw new RangeError(`VNet: the first stage's width ${outChannels} must be a multiple of inChannels ${inChannels}`);
    this.act_function = this.registerModule("act_function", activation(act, outChannels));
    this.conv_block = this.registerModule("conv_block", new ConvBlock(inChannels, outChannels, bias));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.act_function.call(this.conv_block.call(x).add(x.repeat([1, this.outChannels / this.inChannels, 1, 1, 1]))));
  }
}

/** Halves the size and doubles the width (2×2×2 stride-2 conv), then a residual stage of `depth` convs. */
export class DownTransition extends nn.Module {
  readonly down_conv: nn.Conv3d;
  readonly bn1: nn.BatchNorm3d;
  readonly act_function1: nn.Module & { forward(x: Tensor): Tensor };
  readonly act_function2: nn.Module & { forward(x: Tensor): Tensor };
  readonly ops: nn.Sequential;
  readonly dropout: nn.Dropout3d | null;
  constructor(inChannels: number, depth: number, act: VNetActivation, dropoutP: number | null, bias: boolean) {
    super();
    const out = 2 * inChannels;
    this.down_conv = this.registerModule("down_conv", new nn.Conv3d(inChannels, out, 2, { stride: 2, bias }));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm3d(out));
    this.act_function1 = this.registerModule("act_function1", activation(act, out));
    this.act_function2 = this.registerModule("act_function2", activation(act, out));
    this.ops = this.registerModule("ops", stage(out, depth, act, bias));
    const drop = dropout(dropoutP);
    this.dropout = drop && this.registerModule("dropout", drop);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const down = this.act_function1.call(this.bn1.call(this.down_conv.call(x)));
      const out = this.ops.call(this.dropout ? this.dropout.call(down) : down) as Tensor;
      return this.act_function2.call(out.add(down));
    });
  }
}

/**
 * Doubles the size (2×2×2 transposed conv to half of `outChannels`), concatenates the skip (after
 * dropout), then a residual stage of `depth` convs at `outChannels`.
 */
export class UpTransition extends nn.Module {
  readonly up_conv: nn.ConvTranspose3d;
  readonly bn1: nn.BatchNorm3d;
  readonly dropout: nn.Dropout3d | null;
  readonly dropout2: nn.Dropout3d;
  readonly act_function1: nn.Module & { forward(x: Tensor): Tensor };
  readonly act_function2: nn.Module & { forward(x: Tensor): Tensor };
  readonly ops: nn.Sequential;
  constructor(inChannels: number, outChannels: number, depth: number, act: VNetActivation, [dropoutP, skipDropoutP]: [number | null, number]) {
    super();
    this.up_conv = this.registerModule("up_conv", new nn.ConvTranspose3d(inChannels, outChannels / 2, 2, { stride: 2 }));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm3d(outChannels / 2));
    const drop = dropout(dropoutP);
    this.dropout = drop && this.registerModule("dropout", drop);
    this.dropout2 = this.registerModule("dropout2", new nn.Dropout3d(skipDropoutP));
    this.act_function1 = this.registerModule("act_function1", activation(act, outChannels / 2));
    this.act_function2 = this.registerModule("act_function2", activation(act, outChannels));
    // MONAI builds these convolutions without its bias option: always bias-free.
    this.ops = this.registerModule("ops", stage(outChannels, depth, act, false));
  }
  forward(x: Tensor, skip: Tensor): Tensor {
    return torch.tidy(() => {
      const up = this.act_function1.call(this.bn1.call(this.up_conv.call(this.dropout ? this.dropout.call(x) : x)));
      const joined = torch.cat([up, this.dropout2.call(skip)], 1);
      return this.act_function2.call((this.ops.call(joined) as Tensor).add(joined));
    });
  }
}

/** A 5×5×5 conv block to the class count, the activation, and a 1×1×1 conv (with bias). */
export class OutputTransition extends nn.Module {
  readonly conv_block: ConvBlock;
  readonly act_function1: nn.Module & { forward(x: Tensor): Tensor };
  readonly conv2: nn.Conv3d;
  constructor(inChannels: number, outChannels: number, act: VNetActivation, bias: boolean) {
    super();
    this.act_function1 = this.registerModule("act_function1", activation(act, outChannels));
    this.conv_block = this.registerModule("conv_block", new ConvBlock(inChannels, outChannels, bias));
    this.conv2 = this.registerModule("conv2", new nn.Conv3d(outChannels, outChannels, 1));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.conv2.call(this.act_function1.call(this.conv_block.call(x))));
  }
}
