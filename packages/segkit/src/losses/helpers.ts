// What every loss shares: the Loss type, option parsing, input checks, masking of ignored pixels,
// one-hot targets and the final reduction.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** A loss maps logits (N,C,H,W) and a target to a Tensor (a scalar unless reduction is "none"). */
export type Loss = (logits: Tensor, target: Tensor) => Tensor;

export type Reduction = "mean" | "sum" | "none";
/** multiclass: int64 target (N,H,W); binary: float target (N,1,H,W); multilabel: float target (N,C,H,W). */
export type Mode = "multiclass" | "binary" | "multilabel";

/** Default label of pixels to ignore (mmsegmentation's convention). */
export const IGNORE_INDEX = 255;

/** aten's integer code for a reduction. */
export function atenReduction(reduction: Reduction): number {
  return { none: 0, mean: 1, sum: 2 }[reduction];
}

export function reduce(values: Tensor, reduction: Reduction): Tensor {
  if (reduction === "mean") return values.mean();
  if (reduction === "sum") return values.sum();
  return values;
}

/** Sum of `values` over the pixels where `weight` > 0, divided per `reduction` by the total weight. */
export function weightedReduce(values: Tensor, weight: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return values.mul(weight);
  const total = values.mul(weight).sum();
  return reduction === "sum" ? total : total.div(weight.sum());
}

/** Reads option `key` of a loss, checking its type; `where` names the loss in messages. */
export class Options {
  constructor(
    readonly values: Record<string, unknown>,
    private readonly where: string,
  ) {}

  number(key: string, fallback: number): number {
    const v = this.values[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${this.where}: option "${key}" must be a finite number, got ${JSON.stringify(v)}`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.values[key] ?? fallback;
    if (typeof v !== "boolean") throw new TypeError(`${this.where}: option "${key}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.values[key] ?? fallback;
    if (!allowed.includes(v as T)) throw new TypeError(`${this.where}: option "${key}" must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  numbers(key: string): number[] | null {
    const v = this.values[key] ?? null;
    if (v === null) return null;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new TypeError(`${this.where}: option "${key}" must be an array of numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  reduction(): Reduction {
    return this.oneOf("reduction", ["mean", "sum", "none"], "mean");
  }

  mode(fallback: Mode = "multiclass"): Mode {
    return this.oneOf("mode", ["multiclass", "binary", "multilabel"], fallback);
  }
}

/** Class weights as a tensor matching the logits, checked against the number of classes. */
export function classWeights(weights: number[] | null, logits: Tensor, where: string): Tensor | null {
  if (!weights) return null;
  if (weights.length !== logits.shape[1]) {
    throw new RangeError(`${where}: "classWeights" has ${weights.length} entries but the logits have ${logits.shape[1]} classes`);
  }
  return torch.tensor(weights, { dtype: logits.dtype });
}

function isFloat(t: Tensor): boolean {
  return t.dtype === "float32" || t.dtype === "float64" || t.dtype === "float16" || t.dtype === "bfloat16";
}

/**
 * Checks the shapes and dtypes of logits and target for `mode`; errors name the loss, the argument
 * and the shapes. Label values are checked where they are used (withLabelCheck), for free.
 */
export function checkInputs(logits: Tensor, target: Tensor, mode: Mode, where: string): void {
  if (logits.ndim !== 4 || !isFloat(logits)) {
    throw new TypeError(`${where}: logits must be a float (N,C,H,W) tensor, got ${logits.dtype} [${logits.shape}]`);
  }
  const [n, c, h, w] = logits.shape;
  if (mode === "multiclass") {
    if (target.dtype !== "int64" || target.ndim !== 3 || target.shape[0] !== n || target.shape[1] !== h || target.shape[2] !== w) {
      throw new TypeError(`${where}: target must be an int64 (N,H,W) = [${n},${h},${w}] tensor of labels, got ${target.dtype} [${target.shape}]`);
    }
    return;
  }
  const channels = mode === "binary" ? 1 : c;
  if (mode === "binary" && c !== 1) throw new TypeError(`${where}: binary mode needs logits with 1 channel, got [${logits.shape}]`);
  if (!isFloat(target) || target.ndim !== 4 || target.shape.join() !== [n, channels, h, w].join()) {
    throw new TypeError(`${where}: ${mode} target must be a float [${n},${channels},${h},${w}] tensor, got ${target.dtype} [${target.shape}]`);
  }
}

/**
 * Runs `fn`, whose aten ops index by the (non-ignored) labels and reject out-of-range ones
 * (cross_entropy: "Target 7 is out of bounds.", gather/scatter: "index 7 is out of bounds ..."),
 * and turns that error into one naming the loss and the label: no extra pass over the labels.
 */
export function withLabelCheck<T>(fn: () => T, classes: number, ignoreIndex: number, where: string): T {
  try {
    return fn();
  } catch (e) {
    const label = /(?:Target|index) (-?\d+) is out of bounds/.exec(String((e as Error).message));
    if (label) throw new RangeError(`${where}: target has label ${label[1]} outside 0..${classes - 1} (ignoreIndex is ${ignoreIndex})`);
    throw e;
  }
}

/** Labels with ignored pixels replaced by 0 (so they can index), and the (N,H,W) bool mask of valid pixels. */
export function validLabels(target: Tensor, ignoreIndex: number): { labels: Tensor; valid: Tensor } {
  const valid = target.ne(ignoreIndex);
  return { labels: target.mul(valid), valid };
}

/**
 * Class probabilities (softmax for multiclass, sigmoid otherwise), the matching float target (one-hot
 * for multiclass) and the float validity mask, all broadcastable to (N,C,H,W); probabilities and
 * target are zero on ignored pixels so that sums over pixels skip them.
 */
export function probabilitiesAndTruth(
  logits: Tensor,
  target: Tensor,
  mode: Mode,
  ignoreIndex: number,
  where: string,
): { probs: Tensor; truth: Tensor; valid: Tensor } {
  if (mode === "multiclass") {
    const { labels, valid } = validLabels(target, ignoreIndex);
    const mask = valid.unsqueeze(1).to(logits.dtype);
    // one-hot by scattering 1s into a float tensor: no int64 (N,H,W,C) intermediate
    const oneHot = withLabelCheck(() => torch.zerosLike(logits).scatter_(1, labels.unsqueeze(1), 1), logits.shape[1], ignoreIndex, where);
    const truth = oneHot.mul_(mask);
    return { probs: torch.softmax(logits, 1).mul(mask), truth, valid: mask };
  }
  const mask = target.ne(ignoreIndex).to(logits.dtype);
  return { probs: logits.sigmoid().mul(mask), truth: target.mul(mask), valid: mask };
}
