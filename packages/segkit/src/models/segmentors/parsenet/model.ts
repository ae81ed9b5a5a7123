// ParseNet (Liu, Rabinovich and Berg 2015, "ParseNet: Looking Wider to See Better", Sec. 3): global
// context added to DeepLab-LargeFOV. fc7's features are average-pooled over the whole image, L2
// normalised across channels and scaled by a learned per-channel factor, then "unpooled" (copied to
// every position); the local fc7 features are L2 normalised and scaled the same way; the two are
// concatenated and classified by a 1×1 conv. Normalising first keeps the differently scaled
// features comparable, and the learned scales let training re-weight them (Sec. 3.3).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { LargeFOVTrunk, type LargeFOVOptions } from "../deeplab-v1/large-fov.js";

/** x / ‖x‖₂ across channels at each position, times a learned per-channel scale ("scale"). */
export class ScaledL2Norm extends nn.Module {
  declare readonly scale: Tensor;

  constructor(channels: number, initialScale: number) {
    super();
    this.registerParameter("scale", torch.full([channels], initialScale, { dtype: "float32" }));
  }

  forward(x: Tensor): Tensor {
    // ‖x‖ + ε rather than F.normalize's max(‖x‖, ε): the same for any nonzero feature, and ops the
    // ONNX writer translates.
    return x.div(x.norm(2, [1], true).add(1e-12)).mul(this.scale.reshape([1, -1, 1, 1]));
  }
}

export interface ParseNetOptions extends SegmentorOptions, LargeFOVOptions {
  /** The scales' initial value (default 10): the paper stresses that it matters, small values learn slowly. */
  initialScale?: number;
}

export class ParseNet extends Segmentor {
  readonly trunk: LargeFOVTrunk;
  readonly local_norm: ScaledL2Norm;
  readonly global_norm: ScaledL2Norm;
  readonly fc8: nn.Conv2d;

  constructor({ widths, fcChannels, dropout, initialScale = 10, ...options }: ParseNetOptions) {
    super(options);
    this.trunk = new LargeFOVTrunk({ widths, fcChannels, dropout });
    // As DeepLab v1: the trunk's children at the top level (torchvision VGG-16 indices, fc6, fc7).
    for (const [name, child] of this.trunk.namedChildren()) this.registerModule(name, child);
    const channels = this.trunk.outChannels;
    this.local_norm = this.registerModule("local_norm", new ScaledL2Norm(channels, initialScale));
    this.global_norm = this.registerModule("global_norm", new ScaledL2Norm(channels, initialScale));
    this.fc8 = this.registerModule("fc8", new nn.Conv2d(2 * channels, options.numClasses, 1));
  }

  /** The concatenated local and global (unpooled) features at stride 8. */
  context(x: Tensor): Tensor {
    const local = this.trunk.call(x);
    const global = this.global_norm.call(local.mean([2, 3], true)).expand(local.shape);
    return torch.cat([this.local_norm.call(local), global], 1);
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.fc8.call(this.context(x)), spatial(x));
  }
}
