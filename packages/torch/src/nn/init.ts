// nn.init: in-place initialisation with PyTorch's formulas (torch.nn.init). Every function works under
// noGrad (so it applies to parameters) and returns the tensor it filled.
import type { Tensor } from "../tensor.js";
import { noGrad } from "../autograd.js";
import { tidy } from "../scope.js";
import { tensor } from "../creation.js";
import { linalgQr, randn } from "../generated/ops.js";

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d"
  | "conv_transpose3d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** The recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu": return 3 / 4;
    case "linear": case "sigmoid": case "conv1d": case "conv2d": case "conv3d":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d":
      return 1;
    default: throw new RangeError(`calculateGain: unknown nonlinearity "${String(nonlinearity)}"`);
  }
}

/** fan_in = shape[1] × receptive field, fan_out = shape[0] × receptive field (PyTorch's convention). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const shape = t.shape;
  if (shape.length < 2) throw new RangeError(`init: fan in and fan out need a tensor of at least 2 dimensions, got [${shape}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type FanMode = "fan_in" | "fan_out";

export interface KaimingOptions {
  /** Negative slope of the rectifier that follows (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" }: KaimingOptions): number {
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === "fan_in" ? fans.fanIn : fans.fanOut;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

export function uniform(t: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => t.uniform_(a, b));
}

export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

export function constant(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

/** U(-b, b) with b = gain × sqrt(3 / fan) (He et al.). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound);
}

/** N(0, std²) with std = gain / sqrt(fan) (He et al.). */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options));
}

function xavierStd(t: Tensor, gain: number): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** U(-a, a) with a = gain × sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const a = Math.sqrt(3) * xavierStd(t, gain);
  return uniform(t, -a, a);
}

export function xavierNormal(t: Tensor, gain = 1): Tensor {
  return normal(t, 0, xavierStd(t, gain));
}

const normalCdf = (x: number): number => tidy(() => (1 + tensor(x / Math.SQRT2, { dtype: "float64" }).erf().item()) / 2);

/**
 * N(mean, std²) restricted to [a, b], by inverse-CDF sampling like PyTorch's trunc_normal_ (a and b
 * are absolute bounds, not in units of std).
 */
export function truncNormal(t: Tensor, { mean = 0, std = 1, a = -2, b = 2 } = {}): Tensor {
  const low = normalCdf((a - mean) / std);
  const high = normalCdf((b - mean) / std);
  return noGrad(() => t.uniform_(2 * low - 1, 2 * high - 1).erfinv_().mul_(std * Math.SQRT2).add_(mean).clamp_(a, b));
}

/** A (semi-)orthogonal matrix over the flattened trailing dimensions, scaled by `gain` (Saxe et al.). */
export function orthogonal(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2) throw new RangeError(`orthogonal: expected a tensor of at least 2 dimensions, got [${t.shape}]`);
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  noGrad(() => tidy(() => {
    const flat = randn([rows, cols], { dtype: t.dtype });
    const wide = rows < cols;
    const [q, r] = linalgQr(wide ? flat.t() : flat);
    let m = q.mul(r.diagonal().sign());
    if (wide) m = m.t();
    t.copy_(m.reshape(t.shape).mul(gain));
  }));
  return t;
}
