// YOLACT (Bolya et al. 2019) as the authors' yolact_base / yolact_resnet50 configs build it
// (github:dbolya/yolact yolact.py): a ResNet body, an FPN on C3–C5 with two extra levels, a protonet
// on P3 (three 3×3 convs, ×2 bilinear upsampling, a 3×3 and a 1×1 conv, ReLU'd prototypes), one
// prediction head shared by the five levels (3 square priors per cell), and the semantic
// segmentation conv on P3 that only training uses. Keys are the authors' but for the body, which
// has torchvision's (key map "yolact").
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import { YolactFpn } from "./yolact-fpn.js";
import { YolactPredictionHead } from "./prediction-head.js";
import { yolactPriors } from "./priors.js";

export interface YolactOptions {
  body: Backbone;
  /** Classes with the background (81 for COCO). */
  numClasses: number;
  /** FPN, protonet and head width (256). */
  fpnChannels?: number;
  /** Prototypes, the mask coefficients per detection (32). */
  prototypes?: number;
  /** The input side the prior scales refer to (550). */
  maxSize?: number;
  /** Prior sizes in pixels per level at maxSize (24, 48, 96, 192, 384 at 550). */
  priorScales?: number[];
}

/** Raw outputs: loc (B, P, 4), conf (B, P, C) logits, mask (B, P, K) coefficients, priors (P, 4), proto (B, H, W, K); segm (B, C−1, H, W) in training. */
export interface YolactRawOutputs {
  loc: Tensor;
  conf: Tensor;
  mask: Tensor;
  priors: Tensor;
  proto: Tensor;
  segm?: Tensor;
}

const ASPECT_RATIOS = [1, 1 / 2, 2];
const SCALES_AT_550 = [24, 48, 96, 192, 384];

export class Yolact extends nn.Module {
  readonly backbone: Backbone;
  readonly fpn: YolactFpn;
  readonly proto_net: nn.Sequential;
  readonly prediction_layers: nn.ModuleList<YolactPredictionHead>;
  readonly semantic_seg_conv: nn.Conv2d;
  readonly numClasses: number;
  readonly maxSize: number;
  readonly priorScales: number[];

  constructor({ body, numClasses, fpnChannels = 256, prototypes = 32, maxSize = 550, priorScales = SCALES_AT_550 }: YolactOptions) {
    super();
    if (body.outChannels.length !== 4) throw new RangeError(`Yolact: the body must give 4 feature maps (C2–C5), got ${body.outChannels.length}`);
    if (priorScales.length !== 5) throw new RangeError(`Yolact: priorScales needs one scale per level (5), got ${priorScales.length}`);
    this.numClasses = numClasses;
    this.maxSize = maxSize;
    this.priorScales = priorScales;
    this.backbone = this.registerModule("backbone", body);
    this.fpn = this.registerModule("fpn", new YolactFpn(body.outChannels.slice(1), fpnChannels, 2));
    const conv = (k: number, out = fpnChannels): nn.Conv2d => new nn.Conv2d(fpnChannels, out, k, { padding: k === 3 ? 1 : 0 });
    const relu = (): nn.ReLU => new nn.ReLU({ inplace: true });
    this.proto_net = this.registerModule("proto_net", new nn.Sequential(
      conv(3), relu(), conv(3), relu(), conv(3), relu(),
      new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: false }), relu(),
      conv(3), relu(), conv(1, prototypes)));
    this.prediction_layers = this.registerModule("prediction_layers",
      new nn.ModuleList([new YolactPredictionHead(fpnChannels, ASPECT_RATIOS.length, numClasses, prototypes)]));
    this.semantic_seg_conv = this.registerModule("semantic_seg_conv", new nn.Conv2d(fpnChannels, numClasses - 1, 1));
  }

  /** Images (B, 3, H, W), normalised as the authors' transform does, to the raw outputs. */
  override forward(images: Tensor): YolactRawOutputs {
    return torch.tidy(() => {
      const levels = this.fpn.forward(this.backbone.forward(images).slice(1));
      const proto = torch.relu(this.proto_net.forward(levels[0]) as Tensor).permute([0, 2, 3, 1]).contiguous();
      const head = this.prediction_layers.at(0);
      const outs = levels.map((l) => head.forward(l));
      const priors = yolactPriors(levels.map((l) => [l.shape[2], l.shape[3]] as [number, number]), {
        aspectRatios: levels.map(() => [ASPECT_RATIOS]), scales: this.priorScales.map((s) => [s]), maxSize: this.maxSize,
        usePixelScales: true, preapplySqrt: false, useSquareAnchors: true,
      });
      const raw: YolactRawOutputs = {
        loc: torch.cat(outs.map((o) => o.loc), 1),
        conf: torch.cat(outs.map((o) => o.conf), 1),
        mask: torch.cat(outs.map((o) => o.mask), 1),
        priors,
        proto,
      };
      if (this.training) raw.segm = this.semantic_seg_conv.forward(levels[0]);
      return raw;
    });
  }
}
