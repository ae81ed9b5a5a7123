// RefineNet (Lin et al. 2017, multi-path refinement) and Light-Weight RefineNet (Nekrasov et al. 2018)
// on a ResNet, as the authors' PyTorch code builds them (github:DrSleep/refinenet-pytorch rf101 and
// github:DrSleep/light-weight-refinenet rf_lw50/101/152), keys included: the ResNet at the top level
// in torchvision's names (conv1, bn1, layer1..layer4), then four refinement paths from layer4 down to
// layer1. Path i reduces its ResNet map ("p_ims1d2_outl{i}_dimred"; RefineNet then adapts it with a
// two-block residual conv unit, "adapt_stage{i}_b"), fuses it with the coarser path's output
// (multi-resolution fusion: a conv, "adapt_stage{i}_b2_joint_varout_dimred", the sum with the coarser
// output upsampled bilinearly with aligned corners, a ReLU), applies chained residual pooling
// ("mflow_conv_g{i}_pool"; RefineNet then a three-block RCU, "mflow_conv_g{i}_b") and, but for the
// last path, a conv to the next path's width ("mflow_conv_g{i}_b3_joint_varout_dimred"). The light-
// weight variant drops the RCUs and uses 1×1 convs where RefineNet uses 3×3. A 3×3 classifier
// ("clf_conv") gives stride-4 logits, upsampled to the input. Dropout 0.5 (the authors') acts on
// layer3 and layer4 (and in RefineNet on the last path's output).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ResNet, type ResNetOptions } from "../../backbones/resnet/resnet.js";
import { checkWidth } from "../../blocks/check-width.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { ChainedResidualPooling, ResidualConvUnit } from "./blocks.js";

export interface RefineNetOptions extends SegmentorOptions {
  depth?: ResNetOptions["depth"];
  /** The light-weight variant: no RCUs, 1×1 convs. */
  lightWeight?: boolean;
  /** The ResNet's stem width (64; later stages double it). */
  backboneWidth?: number;
  /** Widths of the path from layer4 and of the three others (the authors' 512 and 256). */
  refineChannels?: [number, number];
  dropout?: number;
}

export const REFINENET_OPTIONS = ["backboneWidth", "refineChannels", "dropout"];

const PATHS = 4;
const CRP_STAGES = 4;

interface Path {
  dimred: nn.Conv2d;
  adapt: nn.Sequential | null;
  joint: nn.Conv2d | null;
  pool: nn.Sequential;
  refine: nn.Sequential | null;
  out: nn.Conv2d | null;
}

export class RefineNet extends Segmentor {
  readonly #resnet: ResNet;
  readonly #paths: Path[] = [];
  readonly #dropout: nn.Dropout;
  readonly #lightWeight: boolean;
  readonly clf_conv: nn.Conv2d;

  constructor({ depth = 101, lightWeight = false, backboneWidth = 64, refineChannels = [512, 256], dropout = 0.5, ...common }: RefineNetOptions) {
    super(common);
    checkWidth("RefineNet", "refineChannels", refineChannels);
    if (!Array.isArray(refineChannels) || refineChannels.length !== 2) throw new RangeError(`RefineNet: refineChannels must be [top, rest], got ${JSON.stringify(refineChannels)}`);
    this.#lightWeight = lightWeight;
    this.#resnet = new ResNet({ depth, width: backboneWidth });
    // The ResNet's children sit at the top level, where the authors' model holds them.
    for (const [name, child] of this.#resnet.namedChildren()) this.registerModule(name, child);
    this.#dropout = this.registerModule("do", new nn.Dropout(dropout));
    const kernel = lightWeight ? 1 : 3;
    const conv = (cin: number, cout: number) => new nn.Conv2d(cin, cout, kernel, { padding: kernel >> 1, bias: false });
    const widths = [refineChannels[0], refineChannels[1], refineChannels[1], refineChannels[1]];
    const resnetChannels = [...this.#resnet.outChannels].reverse();
    for (let i = 1; i <= PATHS; i++) {
      const c = widths[i - 1];
      this.#paths.push({
        dimred: this.registerModule(`p_ims1d2_outl${i}_dimred`, conv(resnetChannels[i - 1], c)),
        adapt: lightWeight ? null : this.registerModule(`adapt_stage${i}_b`, new nn.Sequential(new ResidualConvUnit(c, 2))),
        joint: i === 1 ? null : this.registerModule(`adapt_stage${i}_b2_joint_varout_dimred`, conv(c, c)),
        pool: this.registerModule(`mflow_conv_g${i}_pool`, new nn.Sequential(new ChainedResidualPooling(c, CRP_STAGES, kernel))),
        refine: lightWeight ? null : this.registerModule(`mflow_conv_g${i}_b`, new nn.Sequential(new ResidualConvUnit(c, 3))),
        out: i === PATHS ? null : this.registerModule(`mflow_conv_g${i}_b3_joint_varout_dimred`, conv(c, widths[i])),
      });
    }
    this.clf_conv = this.registerModule("clf_conv", new nn.Conv2d(widths[PATHS - 1], this.numClasses, 3, { padding: 1 }));
  }

  /** The stride-4 logits (the authors' output). */
  decode(x: Tensor): Tensor {
    this.checkImage(x);
    const [l1, l2, l3, l4] = this.#resnet.call(x);
    const maps = [this.#dropout.call(l4), this.#dropout.call(l3), l2, l1];
    let coarser: Tensor | null = null;
    this.#paths.forEach((path, i) => {
      let h = path.dimred.call(maps[i]);
      if (path.adapt) h = path.adapt.call(h);
      h = coarser ? torch.relu(path.joint!.call(h).add(coarser)) : torch.relu(h);
      h = path.pool.call(h);
      if (path.refine) h = path.refine.call(h);
      coarser = path.out ? torch.upsampleBilinear2d(path.out.call(h), spatial(maps[i + 1]), true) : h;
    });
    const last = coarser!;
    return this.clf_conv.call(this.#lightWeight ? last : this.#dropout.call(last));
  }

  forward(x: Tensor): Tensor {
    return resize(this.decode(x), spatial(x));
  }
}
