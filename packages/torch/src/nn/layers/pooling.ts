// Pooling over (N, C, H, W) or (C, H, W): max (with indices for MaxUnpool2d), average, adaptive.
import type { Tensor } from "../../tensor.js";
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2dWithIndices, maxUnpool2d } from "../../generated/ops.js";
import { Module } from "../module.js";
import { checkInput, showTuple, tuple } from "../check.js";

const IMAGE = [["N", "C", "H", "W"], ["C", "H", "W"]];

/** The pooled values of a (values, indices) pair; the indices are freed. */
function valuesOnly([values, indices]: [Tensor, Tensor]): Tensor {
  indices.dispose();
  return values;
}

export interface MaxPoolOptions {
  /** Defaults to kernelSize. */
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly ceilMode: boolean;

  constructor(kernelSize: number | number[], options: MaxPoolOptions = {}) {
    super();
    this.kernelSize = tuple(kernelSize, 2, "MaxPool2d kernelSize");
    this.stride = tuple(options.stride ?? kernelSize, 2, "MaxPool2d stride");
    this.padding = tuple(options.padding ?? 0, 2, "MaxPool2d padding");
    this.dilation = tuple(options.dilation ?? 1, 2, "MaxPool2d dilation");
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return valuesOnly(this.forwardWithIndices(x));
  }

  /** The pooled values and, for MaxUnpool2d, the flat index of each maximum within its H×W plane. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkInput(this, x, IMAGE);
    return maxPool2dWithIndices(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  protected override extraRepr(): string {
    return `kernel_size=${showTuple(this.kernelSize)}, stride=${showTuple(this.stride)}, padding=${showTuple(this.padding)}, dilation=${showTuple(this.dilation)}, ceil_mode=${this.ceilMode}`;
  }
}

/** Places values back at the positions MaxPool2d.forwardWithIndices reported, zeros elsewhere. */
export class MaxUnpool2d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];

  constructor(kernelSize: number | number[], options: { stride?: number | number[]; padding?: number | number[] } = {}) {
    super();
    this.kernelSize = tuple(kernelSize, 2, "MaxUnpool2d kernelSize");
    this.stride = tuple(options.stride ?? kernelSize, 2, "MaxUnpool2d stride");
    this.padding = tuple(options.padding ?? 0, 2, "MaxUnpool2d padding");
  }

  /** `outputSize` (H, W, optionally after N and C) resolves the ambiguity of odd sizes. */
  forward(x: Tensor, indices: Tensor, outputSize?: number[]): Tensor {
    checkInput(this, x, IMAGE);
    checkInput(this, indices, [x.shape], "int64", "indices");
    const size = outputSize?.slice(-2) ?? x.shape.slice(-2).map((n, i) => (n - 1) * this.stride[i] - 2 * this.padding[i] + this.kernelSize[i]);
    return maxUnpool2d(x, indices, size);
  }

  protected override extraRepr(): string {
    return `kernel_size=${showTuple(this.kernelSize)}, stride=${showTuple(this.stride)}, padding=${showTuple(this.padding)}`;
  }
}

export interface AvgPoolOptions {
  stride?: number | number[];
  padding?: number | number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

export class AvgPool2d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: number | number[], options: AvgPoolOptions = {}) {
    super();
    this.kernelSize = tuple(kernelSize, 2, "AvgPool2d kernelSize");
    this.stride = tuple(options.stride ?? kernelSize, 2, "AvgPool2d stride");
    this.padding = tuple(options.padding ?? 0, 2, "AvgPool2d padding");
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  forward(x: Tensor): Tensor {
    checkInput(this, x, IMAGE);
    return avgPool2d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad, this.divisorOverride);
  }

  protected override extraRepr(): string {
    return `kernel_size=${showTuple(this.kernelSize)}, stride=${showTuple(this.stride)}, padding=${showTuple(this.padding)}`;
  }
}

/** An output size per spatial dimension; null keeps the input's size there (like PyTorch's None). */
export type AdaptiveSize = number | (number | null)[];

function resolveSize(size: AdaptiveSize, x: Tensor): number[] {
  const list = Array.isArray(size) ? size : [size, size];
  return list.map((s, i) => s ?? x.shape[x.ndim - 2 + i]);
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) { super(); }

  forward(x: Tensor): Tensor {
    checkInput(this, x, IMAGE);
    return adaptiveAvgPool2d(x, resolveSize(this.outputSize, x));
  }

  protected override extraRepr(): string { return `output_size=${JSON.stringify(this.outputSize)}`; }
}

export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) { super(); }

  forward(x: Tensor): Tensor {
    return valuesOnly(this.forwardWithIndices(x));
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkInput(this, x, IMAGE);
    return adaptiveMaxPool2d(x, resolveSize(this.outputSize, x));
  }

  protected override extraRepr(): string { return `output_size=${JSON.stringify(this.outputSize)}`; }
}
