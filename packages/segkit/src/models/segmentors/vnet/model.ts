// V-Net (Milletari, Navab & Ahmadi 2016, "V-Net: Fully Convolutional Neural Networks for Volumetric
// Medical Image Segmentation") as MONAI's monai.networks.nets.VNet builds it, keys included: an input
// stage at 16 channels, four down transitions (1, 2, 3, 2 residual 5×5×5 convs; each halves the size
// and doubles the width), four up transitions (2, 2, 1, 1 convs) over the skips, and an output stage
// to the class logits. Volumes are (N, C, D, H, W) with D, H and W multiples of 16.
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { planarLossIn } from "../../../losses/planar-losses.js";
import { Segmentor, type PredictOptions, type SegmentorOptions } from "../segmentor.js";
import { DownTransition, InputTransition, OutputTransition, UpTransition, type VNetActivation } from "./blocks.js";

export interface VNetOptions extends Omit<SegmentorOptions, "divisor"> {
  inChannels?: number;
  /** The first stage's width (16 in the paper and MONAI); the others are 2×, 4×, 8×, 16× it. */
  width?: number;
  /** "elu" (MONAI's default), "prelu" (the paper's, one weight per channel) or "relu". */
  act?: VNetActivation;
  /** Channel dropout of the two deepest down transitions (null: none). */
  dropoutDown?: number | null;
  /** Channel dropout of the two deepest up transitions: [on the input (null: none), on the skip]. */
  dropoutUp?: [number | null, number];
  /** Biases in the 5×5×5 and down convolutions (MONAI: false, as BatchNorm follows them). */
  bias?: boolean;
}

export const VNET_OPTIONS = ["inChannels", "width", "act", "dropoutDown", "dropoutUp", "bias"];
const ACTIVATIONS = ["elu", "prelu", "relu"];

export class VNet extends Segmentor {
  readonly in_tr: InputTransition;
  readonly down_tr32: DownTransition;
  readonly down_tr64: DownTransition;
  readonly down_tr128: DownTransition;
  readonly down_tr256: DownTransition;
  readonly up_tr256: UpTransition;
  readonly up_tr128: UpTransition;
  readonly up_tr64: UpTransition;
  readonly up_tr32: UpTransition;
  readonly out_tr: OutputTransition;
  readonly inChannels: number;

  constructor({ inChannels = 1, width = 16, act = "elu", dropoutDown = 0.5, dropoutUp = [0.5, 0.5], bias = false, ...common }: VNetOptions) {
    super({ ...common, divisor: 16 });
    const planar = planarLossIn(common.loss);
    if (planar) {
      throw new RangeError(`VNet: loss "${planar}" measures distances or windows in 2D images, and V-Net's losses see a volume as its slices laid side by side; use a voxel-wise loss (cross_entropy, dice, focal, ...)`);
    }
    checkWidth("VNet", "width", [width]);
    checkWidth("VNet", "inChannels", [inChannels]);
    if (!ACTIVATIONS.includes(act)) throw new RangeError(`VNet: act must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(act)}`);
    if (!Array.isArray(dropoutUp) || dropoutUp.length !== 2) throw new RangeError(`VNet: dropoutUp must be [input p or null, skip p], got ${JSON.stringify(dropoutUp)}`);
    this.inChannels = inChannels;
    const w = width;
    this.in_tr = this.registerModule("in_tr", new InputTransition(inChannels, w, act, bias));
    this.down_tr32 = this.registerModule("down_tr32", new DownTransition(w, 1, act, null, bias));
    this.down_tr64 = this.registerModule("down_tr64", new DownTransition(2 * w, 2, act, null, bias));
    this.down_tr128 = this.registerModule("down_tr128", new DownTransition(4 * w, 3, act, dropoutDown, bias));
    this.down_tr256 = this.registerModule("down_tr256", new DownTransition(8 * w, 2, act, dropoutDown, bias));
    this.up_tr256 = this.registerModule("up_tr256", new UpTransition(16 * w, 16 * w, 2, act, dropoutUp));
    this.up_tr128 = this.registerModule("up_tr128", new UpTransition(16 * w, 8 * w, 2, act, dropoutUp));
    this.up_tr64 = this.registerModule("up_tr64", new UpTransition(8 * w, 4 * w, 1, act, [null, 0.5]));
    this.up_tr32 = this.registerModule("up_tr32", new UpTransition(4 * w, 2 * w, 1, act, [null, 0.5]));
    this.out_tr = this.registerModule("out_tr", new OutputTransition(2 * w, this.numClasses, act, bias));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const out16 = this.in_tr.call(x);
    const out32 = this.down_tr32.call(out16);
    const out64 = this.down_tr64.call(out32);
    const out128 = this.down_tr128.call(out64);
    const out256 = this.down_tr256.call(out128);
    let h = this.up_tr256.call(out256, out128);
    out256.dispose();
    out128.dispose();
    h = this.up_tr128.call(h, out64);
    out64.dispose();
    h = this.up_tr64.call(h, out32);
    out32.dispose();
    h = this.up_tr32.call(h, out16);
    out16.dispose();
    return this.out_tr.call(h);
  }

  /** Throws unless `x` is an (N, C, D, H, W) float volume batch with sides that are multiples of 16. */
  protected override checkImage(x: Tensor): void {
    if (x.ndim !== 5) throw new RangeError(`VNet: expected a volume batch (N, C, D, H, W), got [${x.shape.join(", ")}]`);
    if (!x.dtype.startsWith("float")) throw new TypeError(`VNet: expected a floating volume batch, got ${x.dtype}`);
    const sides = x.shape.slice(2);
    if (sides.some((s) => s % this.divisor !== 0)) {
      throw new RangeError(`VNet: volume sides must be multiples of ${this.divisor} (four halvings), got ${sides.join("×")}`);
    }
  }

  /**
   * The loss over voxels: the volume's slices are laid side by side as one (D·H)×W image, which
   * leaves per-voxel sums (cross-entropy, Dice, focal) unchanged; losses that read the 2D layout are
   * refused by the constructor.
   */
  protected override pixelLoss(logits: Tensor, target: Tensor): Tensor {
    const [n, c, d, h, w] = logits.shape;
    return super.pixelLoss(logits.reshape([n, c, d * h, w]), target.reshape([n, d * h, w]));
  }

  /** Costs are measured on one H×H×W volume. */
  override exampleInput(size: [number, number]): number[] {
    return this.inputShape(1, [size[0], size[0], size[1]]);
  }

  override inputShape(batch: number, sides: readonly number[]): number[] {
    if (sides.length !== 3) throw new RangeError(`VNet takes (N, C, D, H, W) volumes: three sides, depth, height and width, got [${sides.join(", ")}]`);
    return [batch, this.inChannels, ...sides];
  }

  override predict(x: Tensor, how: PredictOptions = { mode: "whole" }): Tensor {
    if (how.mode === "slide") throw new Error("VNet.predict: slide mode takes 2D windows; use slidingWindowInference for volumes");
    return super.predict(x, how);
  }
}
