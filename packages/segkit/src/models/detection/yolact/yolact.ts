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
import { clipBoxesToImage } from "../boxes.js";
import type { Detections } from "../roi-heads.js";
import type { InstanceTargets } from "../roi-losses.js";
import { assembleMasks, resizeMasks } from "./assemble-masks.js";
import { fastNmsDetect, type FastNmsOptions } from "./fast-nms.js";
import { YOLACT_BASE_LOSS, yolactLosses, type YolactTarget } from "./multibox-loss.js";
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
  /** Prior sizes in pixels per level at maxSize (24, 48, 96, 192, 384 at 550, scaled to another maxSize as the authors' im400/im700 configs do). */
  priorScales?: number[];
  /** FastNMS settings (eval.py's: 0.05, 0.5, 200, 100). */
  detection?: Partial<FastNmsOptions>;
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
// The authors' resnet_transform: ImageNet statistics on 0–255 RGB.
const MEAN = [123.68, 116.78, 103.94];
const STD = [58.4, 57.12, 57.38];

export class Yolact extends nn.Module {
  readonly backbone: Backbone;
  readonly fpn: YolactFpn;
  readonly proto_net: nn.Sequential;
  readonly prediction_layers: nn.ModuleList<YolactPredictionHead>;
  readonly semantic_seg_conv: nn.Conv2d;
  readonly numClasses: number;
  readonly maxSize: number;
  readonly priorScales: number[];
  readonly detection: FastNmsOptions;

  constructor({ body, numClasses, fpnChannels = 256, prototypes = 32, maxSize = 550, priorScales = SCALES_AT_550.map((s) => Math.trunc((s / 550) * maxSize)), detection = {} }: YolactOptions) {
    super();
    if (body.outChannels.length !== 4) throw new RangeError(`Yolact: the body must give 4 feature maps (C2–C5), got ${body.outChannels.length}`);
    if (priorScales.length !== 5) throw new RangeError(`Yolact: priorScales needs one scale per level (5), got ${priorScales.length}`);
    this.numClasses = numClasses;
    this.maxSize = maxSize;
    this.priorScales = priorScales;
    this.detection = { confThresh: 0.05, nmsThresh: 0.5, topK: 200, maxDetections: 100, ...detection };
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

  /** Images (B, 3, maxSize, maxSize), normalised as the authors' transform does, to the raw outputs. */
  heads(images: Tensor): YolactRawOutputs {
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

  /** RGB images (3, H, W) in [0, 1] as one batch at maxSize × maxSize (the authors' FastBaseTransform: stretched, not letterboxed). */
  batch(images: Tensor[]): Tensor {
    if (images.length === 0) throw new RangeError("Yolact: no images");
    return torch.tidy(() => {
      const mean = torch.tensor(Float32Array.from(MEAN), { shape: [1, 3, 1, 1] });
      const std = torch.tensor(Float32Array.from(STD), { shape: [1, 3, 1, 1] });
      const resized = images.map((im) => {
        if (im.ndim !== 3 || im.shape[0] !== 3) throw new RangeError(`Yolact: images must be (3, H, W), got [${im.shape.join(", ")}]`);
        return torch.upsampleBilinear2d(im.unsqueeze(0).mul(255), [this.maxSize, this.maxSize], false);
      });
      return torch.cat(resized, 0).sub(mean).div(std);
    });
  }

  /** Detections per image in its own pixels: boxes (n, 4), labels 1..C−1, scores, mask probabilities (n, H, W). */
  override forward(images: Tensor[]): Detections[] {
    if (this.training) throw new Error("Yolact: forward() detects in eval mode; in training mode call losses()");
    return torch.tidy(() => {
      const raw = this.heads(this.batch(images));
      const conf = raw.conf.softmax(-1);
      return images.map((im, i) => {
        const [h, w] = im.shape.slice(1);
        const d = fastNmsDetect(raw.loc.select(0, i), conf.select(0, i), raw.mask.select(0, i), raw.priors, this.detection);
        const masks = resizeMasks(assembleMasks(raw.proto.select(0, i), d.coefficients, d.boxes), [h, w]);
        const boxes = clipBoxesToImage(d.boxes.mul(torch.tensor(Float32Array.of(w, h, w, h))), [h, w]);
        return { boxes, labels: d.classes.add(1), scores: d.scores, masks };
      });
    });
  }

  /** The training losses B, C, M, S for images (3, H, W) in [0, 1] and targets in their pixels, labels 1..C−1. */
  losses(images: Tensor[], targets: InstanceTargets[]): Record<"B" | "C" | "M" | "S", Tensor> {
    if (targets.length !== images.length) throw new RangeError(`Yolact.losses: ${images.length} images but ${targets.length} targets`);
    return torch.tidy(() => {
      const relative: YolactTarget[] = targets.map((t, i) => {
        const [h, w] = images[i].shape.slice(1);
        return {
          boxes: t.boxes.div(torch.tensor(Float32Array.of(w, h, w, h))),
          labels: t.labels.sub(1),
          masks: torch.upsampleBilinear2d(t.masks.to("float32").unsqueeze(0), [this.maxSize, this.maxSize], false).squeeze(0),
        };
      });
      return yolactLosses(this.heads(this.batch(images)), relative, YOLACT_BASE_LOSS);
    });
  }
}
