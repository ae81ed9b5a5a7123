// What every decode head shares: which backbone outputs it reads, the number of classes, its loss
// (with ignore_index and a weight, e.g. 0.4 for an auxiliary head) and, for heads in mmsegmentation's
// style, the dropout + 1×1 classifier conv ("conv_seg") that turns features into logits.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Config } from "../../config/registry.js";
import { resize } from "../blocks/resize.js";
import { segmentationLoss, type SegmentationLoss } from "./segmentation-loss.js";

export interface HeadOptions {
  numClasses: number;
  /** Index into the backbone (or neck) outputs; heads reading several take a list. */
  inIndex?: number | number[];
  ignoreIndex?: number;
  /** Factor on this head's loss (auxiliary heads: 0.4). */
  lossWeight?: number;
  /** A loss config built through the registry; default cross-entropy. */
  loss?: Config;
  /** Prefix of this head's entries in the loss parts. */
  name?: string;
}

export const HEAD_OPTIONS = ["numClasses", "inIndex", "ignoreIndex", "lossWeight", "loss", "name"] as const;
/** Config keys of a head; encoder_decoder fills inChannels in from what the head reads when absent. */
export const HEAD_CONFIG_OPTIONS = [...HEAD_OPTIONS, "inChannels", "channels"];

export abstract class DecodeHead extends nn.Module {
  readonly numClasses: number;
  readonly inIndex: number | number[];
  readonly ignoreIndex: number;
  readonly lossWeight: number;
  readonly name: string;
  readonly #loss: SegmentationLoss;
  #dropout: nn.Dropout2d | null = null;
  #convSeg: nn.Conv2d | null = null;

  constructor(options: HeadOptions, defaultInIndex: number | number[]) {
    super();
    if (!(Number.isInteger(options.numClasses) && options.numClasses >= 1)) {
      throw new RangeError(`${new.target.name}: numClasses must be a positive integer, got ${options.numClasses}`);
    }
    this.numClasses = options.numClasses;
    this.inIndex = options.inIndex ?? defaultInIndex;
    this.ignoreIndex = options.ignoreIndex ?? 255;
    this.lossWeight = options.lossWeight ?? 1;
    this.name = options.name ?? "decode";
    this.#loss = segmentationLoss(options.loss, this.ignoreIndex, this.name);
  }

  /** Logits at the head's stride. */
  abstract override forward(features: Tensor[]): Tensor;

  /** The one feature map this head reads (inIndex a number). */
  protected input(features: Tensor[]): Tensor {
    return this.inputs(features)[0];
  }

  /** The feature maps this head reads, in inIndex order. */
  protected inputs(features: Tensor[]): Tensor[] {
    const indices = Array.isArray(this.inIndex) ? this.inIndex : [this.inIndex];
    return indices.map((i) => {
      const f = features.at(i);
      if (!f) throw new RangeError(`${this.constructor.name}: inIndex ${i} is out of range for ${features.length} feature maps`);
      return f;
    });
  }

  /** Registers dropout ("dropout", when ratio > 0) and the classifier conv ("conv_seg"). */
  protected addClassifier(channels: number, dropoutRatio = 0.1): void {
    if (dropoutRatio > 0) this.#dropout = this.registerModule("dropout", new nn.Dropout2d(dropoutRatio));
    this.#convSeg = this.registerModule("conv_seg", new nn.Conv2d(channels, this.numClasses, 1));
  }

  classify(x: Tensor): Tensor {
    return this.#classifier().call(this.applyDropout(x));
  }

  /** conv_seg's weight (numClasses, channels, 1, 1): K-Net's first class kernels. */
  get classifierWeight(): Tensor {
    return this.#classifier().weight;
  }

  #classifier(): nn.Conv2d {
    if (!this.#convSeg) throw new Error(`${this.constructor.name}: classify() needs addClassifier() in the constructor`);
    return this.#convSeg;
  }

  /** The classifier's dropout (the identity without one), for heads with more classifiers than conv_seg. */
  protected applyDropout(x: Tensor): Tensor {
    return this.#dropout ? this.#dropout.call(x) : x;
  }

  /** Weighted loss parts; the logits are resized to the target's size first. */
  loss(logits: Tensor, target: Tensor): Record<string, Tensor> {
    return { [`${this.name}.loss`]: this.weightedLoss(logits, target) };
  }

  /**
   * The loss parts of one training step on `features`. Heads with extra training outputs (DANet's
   * per-branch logits, EncNet's semantic-encoding logits) override it.
   */
  trainLoss(features: Tensor[], target: Tensor): Record<string, Tensor> {
    return this.loss((this as DecodeHead).call(features), target);
  }

  /** This head's loss of `logits` (resized to the target's size) times its lossWeight. */
  protected weightedLoss(logits: Tensor, target: Tensor): Tensor {
    const value = this.#loss(resize(logits, target.shape.slice(-2)), target);
    return this.lossWeight === 1 ? value : value.mul(this.lossWeight);
  }
}
