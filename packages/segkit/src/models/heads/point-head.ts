// PointRend's point head (Kirillov et al. 2020, "PointRend: Image Segmentation as Rendering") in
// mmsegmentation's layout and keys (mmseg/models/decode_heads/point_head.py): a shared MLP over
// points — numFcs 1×1 Conv1d + ReLU ("fcs", mmcv ConvModule keys) on the fine-grained features
// concatenated with the coarse prediction at each point (the coarse prediction concatenated again
// after every layer) — and a Conv1d classifier "fc_seg".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** mmcv's ConvModule with a Conv1d, no norm, ReLU: key "conv". */
class PointFc extends nn.Module {
  readonly conv: nn.Conv1d;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", new nn.Conv1d(inChannels, outChannels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.conv.call(x).relu();
  }
}

export interface PointHeadOptions {
  numClasses: number;
  /** Channels of the fine-grained features sampled at the points. */
  inChannels: number;
  /** Default 256. */
  channels?: number;
  /** Default 3. */
  numFcs?: number;
  /** Concatenate the coarse prediction after every layer (default true). */
  coarsePredEachLayer?: boolean;
}

export class PointHead extends nn.Module {
  readonly fcs: nn.ModuleList<PointFc>;
  readonly fc_seg: nn.Conv1d;
  readonly #coarseEachLayer: boolean;

  constructor({ numClasses, inChannels, channels = 256, numFcs = 3, coarsePredEachLayer = true }: PointHeadOptions) {
    super();
    this.#coarseEachLayer = coarsePredEachLayer;
    const extra = coarsePredEachLayer ? numClasses : 0;
    this.fcs = this.registerModule("fcs", new nn.ModuleList(Array.from({ length: numFcs }, (_, i) => new PointFc(i === 0 ? inChannels + numClasses : channels + extra, channels))));
    this.fc_seg = this.registerModule("fc_seg", new nn.Conv1d(numFcs > 0 ? channels + extra : inChannels + numClasses, numClasses, 1));
  }

  /** Point logits (N, numClasses, P) from fine-grained (N, inChannels, P) and coarse (N, numClasses, P) point features. */
  forward(fine: Tensor, coarse: Tensor): Tensor {
    let x = torch.cat([fine, coarse], 1);
    for (const fc of this.fcs) {
      x = fc.call(x);
      if (this.#coarseEachLayer) x = torch.cat([x, coarse], 1);
    }
    return this.fc_seg.call(x);
  }
}
