// Convolutions: Conv1d/2d/3d (ConvNdLayer) and ConvTranspose1d/2d/3d (ConvTransposeNdLayer), each one
// class for any spatial rank, over a shared base (ConvBase) that owns the weights.
import type { Tensor } from "../../tensor.js";
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, empty, pad } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkInput, showTuple, tuple } from "../check.js";
import { kaimingUniform, uniform, calculateFanInAndFanOut } from "../init.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

export interface ConvOptions {
  stride?: number | number[];
  /** Per side; "same" keeps the size (stride 1 only), "valid" is 0. */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

export interface ConvTransposeOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
}

const SPATIAL = ["L", "H W", "D H W"].map((s) => s.split(" "));
const CONV = [conv1d, conv2d, conv3d];
const CONV_TRANSPOSE = [convTranspose1d, convTranspose2d, convTranspose3d];
const PAD_MODE: Record<PaddingMode, string> = { zeros: "constant", reflect: "reflect", replicate: "replicate", circular: "circular" };

/** What regular and transposed convolutions share: channels, kernel, stride, dilation, groups, weights. */
export abstract class ConvBase extends Module {
  declare readonly weight: Tensor;
  declare readonly bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;

  constructor(readonly dims: number, readonly transposed: boolean, readonly inChannels: number, readonly outChannels: number,
    kernelSize: number | number[], options: ConvOptions | ConvTransposeOptions) {
    super();
    const name = this.constructor.name;
    const groups = options.groups ?? 1;
    this.groups = groups;
    this.kernelSize = tuple(kernelSize, dims, `${name} kernelSize`);
    this.stride = tuple(options.stride ?? 1, dims, `${name} stride`);
    this.dilation = tuple(options.dilation ?? 1, dims, `${name} dilation`);
    if (!(groups >= 1 && inChannels % groups === 0 && outChannels % groups === 0)) {
      throw new RangeError(`${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    const weightShape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    // PyTorch's reset_parameters: kaiming_uniform(a=√5) is U(±1/√fan_in), and the bias the same bound.
    const weight = kaimingUniform(empty(weightShape), { a: Math.sqrt(5) });
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    this.registerParameter("weight", weight);
    this.registerParameter("bias", options.bias ?? true ? uniform(empty([outChannels]), -bound, bound) : null);
  }

  protected checked(x: unknown): Tensor {
    const spatial = SPATIAL[this.dims - 1];
    checkInput(this, x, [["N", this.inChannels, ...spatial], [this.inChannels, ...spatial]], this.weight.dtype);
    return x;
  }

  protected override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${showTuple(this.kernelSize)}`];
    if (this.stride.some((s) => s !== 1)) parts.push(`stride=${showTuple(this.stride)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${showTuple(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push("bias=False");
    return parts.join(", ");
  }
}

/** Convolution over `dims` spatial dimensions; use Conv1d, Conv2d or Conv3d. */
export class ConvNdLayer extends ConvBase {
  readonly paddingMode: PaddingMode;
  // [before, after] per spatial dimension.
  readonly #sides: [number, number][];

  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(dims, false, inChannels, outChannels, kernelSize, options);
    this.paddingMode = options.paddingMode ?? "zeros";
    if (!(this.paddingMode in PAD_MODE)) {
      throw new RangeError(`${this.constructor.name}: paddingMode must be one of ${Object.keys(PAD_MODE).join(", ")}, got "${this.paddingMode}"`);
    }
    const padding = options.padding ?? 0;
    if (padding === "same") {
      if (this.stride.some((s) => s !== 1)) throw new RangeError(`${this.constructor.name}: padding "same" needs stride 1`);
      // Like PyTorch, an odd total puts the extra row/column after.
      this.#sides = this.kernelSize.map((k, i) => {
        const total = this.dilation[i] * (k - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      });
    } else {
      const each = padding === "valid" ? Array<number>(dims).fill(0) : tuple(padding, dims, `${this.constructor.name} padding`);
      this.#sides = each.map((p) => [p, p]);
    }
  }

  forward(x: Tensor): Tensor {
    const input = this.checked(x);
    const conv = CONV[this.dims - 1];
    const symmetric = this.#sides.every(([a, b]) => a === b);
    if (this.paddingMode === "zeros" && symmetric) {
      return conv(input, this.weight, this.bias, this.stride, this.#sides.map(([a]) => a), this.dilation, this.groups);
    }
    // F.pad takes the last dimension first.
    const sides = [...this.#sides].reverse().flat();
    const padded = pad(input, sides, PAD_MODE[this.paddingMode]);
    return conv(padded, this.weight, this.bias, this.stride, 0, this.dilation, this.groups);
  }

  protected override extraRepr(): string {
    const parts = [super.extraRepr()];
    if (this.#sides.some(([a, b]) => a !== 0 || b !== 0)) {
      const symmetric = this.#sides.every(([a, b]) => a === b);
      parts.push(`padding=${symmetric ? showTuple(this.#sides.map(([a]) => a)) : JSON.stringify(this.#sides)}`);
    }
    if (this.paddingMode !== "zeros") parts.push(`padding_mode=${this.paddingMode}`);
    return parts.join(", ");
  }
}

export class Conv1d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

export class Conv2d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

export class Conv3d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}

/** Transposed convolution over `dims` spatial dimensions; use ConvTranspose1d, 2d or 3d. */
export class ConvTransposeNdLayer extends ConvBase {
  readonly padding: number[];
  readonly outputPadding: number[];

  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvTransposeOptions = {}) {
    super(dims, true, inChannels, outChannels, kernelSize, options);
    const name = this.constructor.name;
    this.padding = tuple(options.padding ?? 0, dims, `${name} padding`);
    this.outputPadding = tuple(options.outputPadding ?? 0, dims, `${name} outputPadding`);
  }

  /** `outputSize` (spatial, or with N and C) picks the output padding that reaches that size. */
  forward(x: Tensor, outputSize?: number[]): Tensor {
    const input = this.checked(x);
    const outputPadding = outputSize === undefined ? this.outputPadding : this.#outputPaddingFor(input, outputSize);
    return CONV_TRANSPOSE[this.dims - 1](input, this.weight, this.bias, this.stride, this.padding, outputPadding, this.groups, this.dilation);
  }

  #outputPaddingFor(x: Tensor, outputSize: number[]): number[] {
    const wanted = outputSize.slice(-this.dims);
    const inSpatial = x.shape.slice(-this.dims);
    return wanted.map((size, i) => {
      const smallest = (inSpatial[i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const extra = size - smallest;
      if (!(extra >= 0 && extra < Math.max(this.stride[i], this.dilation[i]))) {
        throw new RangeError(`${this.describe()}: outputSize [${outputSize}] is not reachable from input [${x.shape}] (dimension ${i}: ${smallest} to ${smallest + Math.max(this.stride[i], this.dilation[i]) - 1})`);
      }
      return extra;
    });
  }

  protected override extraRepr(): string {
    const parts = [super.extraRepr()];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${showTuple(this.padding)}`);
    if (this.outputPadding.some((p) => p !== 0)) parts.push(`output_padding=${showTuple(this.outputPadding)}`);
    return parts.join(", ");
  }
}

export class ConvTranspose1d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvTransposeOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

export class ConvTranspose2d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvTransposeOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

export class ConvTranspose3d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvTransposeOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
