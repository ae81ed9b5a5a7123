// GRUU-Net (Wollmann et al., "GRUU-Net: Integrated convolutional and gated recurrent neural network
// for cell segmentation", Medical Image Analysis 2019): a convolutional encoder computes features at
// several scales, and convolutional GRUs refine the segmentation from coarse to fine, the hidden state
// of each scale upsampled to the next finer one and updated with that scale's features, so the
// recurrent units aggregate the multi-scale features (the paper's combination of U-Net-style feature
// aggregation with GRU-based iterative refinement). Here: a U-Net-style encoder of conv-BN-ReLU pairs
// with 2×2 max-pooling, one ConvGRU per scale (hidden width = that scale's width, the coarsest starting
// from a zero state), a 1×1 projection of the upsampled state between scales, and a 1×1 classifier on
// the finest state. The paper's own block counts and widths are not reproduced.
// Keys: "encoder.N", "grus.N" (coarsest first), "projections.N", "head".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DoubleConv } from "../../blocks/double-conv.js";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { ConvGRUCell } from "./conv-gru.js";

export interface GRUUNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Width per scale, finest first (32, 64, 128, 256). */
  widths?: number[];
  inChannels?: number;
}

export class GRUUNet extends Segmentor {
  readonly encoder: nn.ModuleList<DoubleConv>;
  readonly grus: nn.ModuleList<ConvGRUCell>;
  readonly projections: nn.ModuleList<nn.Conv2d>;
  readonly head: nn.Conv2d;

  constructor({ widths = [32, 64, 128, 256], inChannels = 3, ...common }: GRUUNetOptions) {
    super({ ...common, divisor: 2 ** (Array.isArray(widths) ? widths.length - 1 : 0) });
    if (!Array.isArray(widths) || widths.length < 2) throw new RangeError(`GRUUNet: widths must list at least 2 scale widths, got ${JSON.stringify(widths)}`);
    checkWidth("GRUUNet", "widths", widths);
    this.encoder = this.registerModule("encoder", new nn.ModuleList(widths.map((w, i) => new DoubleConv(i === 0 ? inChannels : widths[i - 1], w))));
    const coarseFirst = [...widths].reverse();
    this.grus = this.registerModule("grus", new nn.ModuleList(coarseFirst.map((w) => new ConvGRUCell(w, w))));
    this.projections = this.registerModule("projections", new nn.ModuleList(coarseFirst.slice(1).map((w, i) => new nn.Conv2d(coarseFirst[i], w, 1))));
    this.head = this.registerModule("head", new nn.Conv2d(widths[0], this.numClasses, 1));
  }

  /** The encoder's features per scale, finest first. */
  features(x: Tensor): Tensor[] {
    this.checkImage(x);
    const features: Tensor[] = [];
    let h = x;
    for (const [i, level] of [...this.encoder].entries()) {
      h = level.call(i === 0 ? h : torch.maxPool2d(h, [2, 2]));
      features.push(h);
    }
    return features;
  }

  /** The GRU hidden states from the coarsest scale to the finest. */
  hiddenStates(x: Tensor): Tensor[] {
    const features = this.features(x).reverse();
    const states: Tensor[] = [];
    // A zero state shaped like the coarsest features (their hidden width); mul(0) exports, zeros_like does not.
    let state = features[0].mul(0);
    for (const [i, gru] of [...this.grus].entries()) {
      if (i > 0) state = this.projections.at(i - 1).call(resize(state, spatial(features[i])));
      state = gru.call(features[i], state);
      states.push(state);
    }
    return states;
  }

  forward(x: Tensor): Tensor {
    return this.head.call(this.hiddenStates(x).at(-1)!);
  }
}
