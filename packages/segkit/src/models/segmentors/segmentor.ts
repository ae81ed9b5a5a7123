// The surface every segmentation model offers, whatever its inside: forward (logits at input size),
// forwardTrain (loss and its parts) and predict (whole-image or sliding-window inference).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Config } from "../../config/registry.js";
import { segmentationLoss, type SegmentationLoss } from "../heads/segmentation-loss.js";
import { resize } from "../blocks/resize.js";
import { foldBatchNorms } from "./fold-batchnorm.js";
import { runPlan } from "../../inference/plan.js";
import { slidingWindowLogits } from "../../inference/sliding-window.js";

export interface PredictOptions {
  mode: "whole" | "slide";
  /** Window [H, W] and step [H, W] of slide mode. */
  crop?: [number, number];
  stride?: [number, number];
}

/**
 * Throws unless slide-mode windows are [height, width] pairs of positive integers with stride ≤ crop
 * on both axes: a larger stride leaves pixels no window covers (mmsegmentation asserts every pixel
 * is covered). `where` names the caller's config section or argument in the error.
 */
export function checkSlideWindows(crop: unknown, stride: unknown, where: string): void {
  const isSize = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 1);
  for (const [key, value] of [["crop", crop], ["stride", stride]] as const) {
    if (!isSize(value)) throw new Error(`${where}: "${key}" must be [height, width] in positive integers, got ${JSON.stringify(value)}`);
  }
  const [c, s] = [crop as number[], stride as number[]];
  if (s[0] > c[0] || s[1] > c[1]) {
    throw new Error(`${where}: "stride" [${s.join(", ")}] must not exceed "crop" [${c.join(", ")}] on either axis, or windows leave pixels uncovered`);
  }
}

export interface TrainOutput {
  loss: Tensor;
  parts: Record<string, Tensor>;
}

/** The named loss parts and their sum (call inside tidy: the running sums are temporaries). */
export function trainOutput(parts: Record<string, Tensor>): TrainOutput {
  return { loss: Object.values(parts).reduce((sum, v) => sum.add(v)), parts };
}

export interface SegmentorOptions {
  numClasses: number;
  /** Input height and width must be multiples of it (1 when any size works). */
  divisor?: number;
  ignoreIndex?: number;
  /** A loss config built through the registry; default cross-entropy with ignoreIndex. */
  loss?: Config;
}

/** Config keys every segmentor builder accepts. */
export const SEGMENTOR_OPTIONS = ["numClasses", "ignoreIndex", "loss"];

export abstract class Segmentor extends nn.Module {
  readonly numClasses: number;
  readonly divisor: number;
  readonly ignoreIndex: number;
  readonly #loss: SegmentationLoss;
  #optimizedForInference = false;

  constructor({ numClasses, divisor = 1, ignoreIndex = 255, loss }: SegmentorOptions) {
    super();
    if (!(Number.isInteger(numClasses) && numClasses >= 1)) {
      throw new RangeError(`${new.target.name}: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.numClasses = numClasses;
    this.divisor = divisor;
    this.ignoreIndex = ignoreIndex;
    this.#loss = segmentationLoss(loss, ignoreIndex, "model");
  }

  /** Logits (N, numClasses, H, W) at the input's size. */
  abstract override forward(x: Tensor): Tensor;

  /** Loss parts for a batch (the total is their sum); by default the loss of forward's logits. */
  protected losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    return { "decode.loss": this.pixelLoss(this.forward(x), target) };
  }

  /** The model's loss of `logits` (resized to the target's size if needed) against `target`. */
  protected pixelLoss(logits: Tensor, target: Tensor): Tensor {
    return this.#loss(resize(logits, target.shape.slice(-2)), target);
  }

  forwardTrain(x: Tensor, target: Tensor): TrainOutput {
    this.#checkTrainable();
    this.checkImage(x);
    // (N, H, W) labels for images, (N, D, H, W) for volumes.
    const wanted = [x.shape[0], ...x.shape.slice(2)];
    if (target.shape.join() !== wanted.join()) {
      throw new RangeError(`${this.constructor.name}.forwardTrain: expected target of shape [${wanted.join(", ")}], got [${target.shape.join(", ")}]`);
    }
    if (target.dtype !== "int64") throw new TypeError(`${this.constructor.name}.forwardTrain: expected an int64 target, got ${target.dtype}`);
    // tidy: a caller outside its own tidy owns only what is returned (the running sums and the
    // heads' intermediates are freed here; autograd keeps what backward needs).
    return torch.tidy(() => trainOutput(this.losses(x, target)));
  }

  /** Logits at the input's size without gradients; slide mode averages overlapping windows. */
  predict(x: Tensor, how: PredictOptions = { mode: "whole" }): Tensor {
    if (how.mode !== "whole" && how.mode !== "slide") throw new Error(`${this.constructor.name}.predict: mode must be "whole" or "slide", got ${JSON.stringify(how.mode)}`);
    return torch.tidy(() => torch.noGrad(() => (how.mode === "slide" ? this.#slide(x, how) : this.forward(x))));
  }

  /**
   * Faster inference, same output: every conv → BatchNorm pair (found by running `example`, a typical
   * input) becomes one conv. The model stays in eval mode and cannot train any more. Returns the
   * number of norms folded. (Channels-last weights, the other usual step, measured slower with
   * Debian's libtorch 1.13 on CPU, so they are left out.)
   */
  optimizeForInference(example: Tensor): { folded: number } {
    this.eval();
    const before = this.predict(example);
    const folded = foldBatchNorms(this, example);
    this.#optimizedForInference = true;
    const after = this.predict(example);
    const [diff, scale] = torch.tidy(() => [after.sub(before).abs().max().item(), before.abs().max().item()]);
    before.dispose();
    after.dispose();
    // Only a mistake in the folding (not rounding) moves the logits this far.
    if (!(diff <= 1e-3 * Math.max(1, scale))) throw new Error(`${this.constructor.name}.optimizeForInference: the output changed by ${diff}; the model is no longer usable`);
    return { folded };
  }

  /** The input a cost measurement (`segkit models --cost`) runs on for `size`: one (1, 3, H, W) image. */
  exampleInput(size: [number, number]): number[] {
    return this.inputShape(1, size);
  }

  /** The shape of `batch` inputs with spatial `sides`: (N, 3, H, W) images; throws naming what it takes otherwise. */
  inputShape(batch: number, sides: readonly number[]): number[] {
    if (sides.length !== 2) throw new RangeError(`${this.constructor.name} takes (N, 3, H, W) images: two sides, height and width, got [${sides.join(", ")}]`);
    return [batch, 3, ...sides];
  }

  override train(on = true): this {
    if (on) this.#checkTrainable();
    return super.train(on);
  }

  #checkTrainable(): void {
    if (this.#optimizedForInference) throw new Error(`${this.constructor.name}: optimized for inference (BatchNorm folded), it cannot train; build a fresh model`);
  }

  /** Throws unless `x` is an (N, C, H, W) float tensor with H and W multiples of the divisor. */
  protected checkImage(x: Tensor): void {
    const name = this.constructor.name;
    if (x.ndim !== 4) throw new RangeError(`${name}: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    if (!x.dtype.startsWith("float")) throw new TypeError(`${name}: expected a floating image batch, got ${x.dtype}`);
    const [h, w] = x.shape.slice(2);
    if (h % this.divisor !== 0 || w % this.divisor !== 0) {
      throw new RangeError(`${name}: input height and width must be multiples of ${this.divisor} (the divisor), got ${h}×${w}`);
    }
  }

  #slide(x: Tensor, { crop, stride }: PredictOptions): Tensor {
    if (!crop || !stride) throw new Error(`${this.constructor.name}.predict: slide mode needs crop and stride`);
    checkSlideWindows(crop, stride, `${this.constructor.name}.predict`);
    return runPlan(slidingWindowLogits(x, crop, stride, this.numClasses), (window) => this.forward(window));
  }
}
