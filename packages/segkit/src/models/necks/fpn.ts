// Feature pyramid network (Lin et al. 2017) as a neck: 1×1 lateral convs to a common width, a
// top-down pathway adding each coarser map upsampled, and a 3×3 conv on every level.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { resize, spatial } from "../blocks/resize.js";
import type { Neck } from "../segmentors/encoder-decoder/model.js";
import { register } from "../../config/registry.js";

export interface FPNOptions {
  inChannels: number[];
  outChannels?: number;
  /** How coarser maps are upsampled in the top-down pathway: "bilinear" (default) or "nearest" (mmsegmentation's FPN). */
  upsample?: "bilinear" | "nearest";
  /** State-dict names: mmsegmentation's lateral_convs/fpn_convs (default) or torchvision's inner_blocks/layer_blocks. */
  keys?: "mmsegmentation" | "torchvision";
}

export class FPN extends nn.Module implements Neck {
  readonly lateral_convs: nn.ModuleList<ConvNormAct>;
  readonly fpn_convs: nn.ModuleList<ConvNormAct>;
  readonly outChannels: number[];
  readonly #nearest: boolean;

  constructor({ inChannels, outChannels = 256, upsample = "bilinear", keys = "mmsegmentation" }: FPNOptions) {
    super();
    if (upsample !== "bilinear" && upsample !== "nearest") throw new RangeError(`FPN: upsample must be "bilinear" or "nearest", got ${JSON.stringify(upsample)}`);
    this.#nearest = upsample === "nearest";
    // mmsegmentation's FPN default: plain convs with bias, no norm or activation.
    const plain = { norm: false, act: null } as const;
    if (keys !== "mmsegmentation" && keys !== "torchvision") throw new RangeError(`FPN: keys must be "mmsegmentation" or "torchvision", got ${JSON.stringify(keys)}`);
    const torchvision = keys === "torchvision";
    this.lateral_convs = this.registerModule(torchvision ? "inner_blocks" : "lateral_convs", new nn.ModuleList(inChannels.map((c) => new ConvNormAct(c, outChannels, 1, plain))));
    this.fpn_convs = this.registerModule(torchvision ? "layer_blocks" : "fpn_convs", new nn.ModuleList(inChannels.map(() => new ConvNormAct(outChannels, outChannels, 3, plain))));
    this.outChannels = inChannels.map(() => outChannels);
  }

  forward(features: Tensor[]): Tensor[] {
    if (features.length !== this.lateral_convs.length) {
      throw new RangeError(`FPN: expected ${this.lateral_convs.length} feature maps, got ${features.length}`);
    }
    const laterals = features.map((f, i) => this.lateral_convs.at(i).call(f));
    for (let i = laterals.length - 1; i > 0; i--) {
      const size = spatial(laterals[i - 1]);
      laterals[i - 1] = laterals[i - 1].add(this.#nearest ? torch.upsampleNearest2d(laterals[i], size) : resize(laterals[i], size));
    }
    return laterals.map((l, i) => this.fpn_convs.at(i).call(l));
  }
}

register<Neck>("neck", "fpn", { options: ["inChannels", "outChannels", "upsample", "keys"], summary: "feature pyramid network", build: (o) => new FPN(o as never) });
