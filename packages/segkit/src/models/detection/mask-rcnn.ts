// Mask R-CNN (He et al. 2017) in torchvision's layout and key names (backbone.body, backbone.fpn,
// rpn.head, roi_heads.*), so torchvision's state dicts load as they are: transform → ResNet-FPN
// backbone (FPN levels "0".."3" plus a stride-2 max-pool "pool" level for the RPN) → RPN proposals →
// RoI heads (boxes, classes, masks) → detections back in each original image.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { FPN } from "../necks/fpn.js";
import type { Backbone } from "../backbones/backbone.js";
import { AnchorGenerator } from "./anchor-generator.js";
import { resizeBoxes } from "./boxes.js";
import { FastRCNNPredictor, MaskRCNNHeads, MaskRCNNPredictor, TwoMLPHead } from "./box-heads.js";
import { RegionProposalNetwork, RPNHead, type RPNOptions } from "./rpn.js";
import { RoIHeads, type Detections, type RoIHeadsOptions } from "./roi-heads.js";
import { roiHeadLosses, type InstanceTargets, type RoILosses } from "./roi-losses.js";
import { GeneralizedRCNNTransform, type TransformOptions } from "./transform.js";

/** A backbone's feature maps through an FPN with torchvision's keys, plus the max-pooled top level. */
export class BackboneWithFPN extends nn.Module {
  readonly body: Backbone;
  readonly fpn: FPN;

  constructor(body: Backbone, outChannels: number) {
    super();
    this.body = this.registerModule("body", body);
    this.fpn = this.registerModule("fpn", new FPN({ inChannels: body.outChannels, outChannels, upsample: "nearest", keys: "torchvision" }));
  }

  forward(x: Tensor): Tensor[] {
    const levels = this.fpn.forward(this.body.forward(x));
    return [...levels, torch.maxPool2d(levels[levels.length - 1], [1, 1], [2, 2])];
  }
}

export interface MaskRCNNOptions {
  body: Backbone;
  numClasses: number;
  /** FPN width (256). */
  fpnChannels?: number;
  /** Width of the box head's two fully connected layers (1024). */
  representationSize?: number;
  /** Widths of the mask head's 3×3 convs (four of 256). */
  maskLayers?: number[];
  /** Width of the mask predictor's transposed conv (256). */
  maskDimReduced?: number;
  transform?: Partial<TransformOptions>;
  rpn?: Partial<RPNOptions>;
  roiHeads?: Partial<RoIHeadsOptions>;
}

export class MaskRCNN extends nn.Module {
  readonly backbone: BackboneWithFPN;
  readonly rpn: RegionProposalNetwork;
  readonly roi_heads: RoIHeads;
  readonly transform: GeneralizedRCNNTransform;
  /** Classes the box predictor scores, the background (label 0) included. */
  readonly numClasses: number;

  constructor({ body, numClasses, fpnChannels = 256, representationSize = 1024, maskLayers = [256, 256, 256, 256], maskDimReduced = 256, transform = {}, rpn = {}, roiHeads = {} }: MaskRCNNOptions) {
    super();
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new RangeError(`MaskRCNN: numClasses must be an integer ≥ 2 (background included), got ${numClasses}`);
    this.numClasses = numClasses;
    this.transform = new GeneralizedRCNNTransform({ minSize: 800, maxSize: 1333, imageMean: [0.485, 0.456, 0.406], imageStd: [0.229, 0.224, 0.225], ...transform });
    this.backbone = this.registerModule("backbone", new BackboneWithFPN(body, fpnChannels));
    const anchors = new AnchorGenerator([[32], [64], [128], [256], [512]], Array.from({ length: 5 }, () => [0.5, 1, 2]));
    this.rpn = this.registerModule("rpn", new RegionProposalNetwork(anchors, new RPNHead(fpnChannels, anchors.numAnchors[0]), {
      fgIouThresh: 0.7, bgIouThresh: 0.3, batchSizePerImage: 256, positiveFraction: 0.5, preNmsTopNTrain: 2000, preNmsTopNTest: 1000, postNmsTopNTrain: 2000, postNmsTopNTest: 1000, nmsThresh: 0.7, scoreThresh: 0, ...rpn,
    }));
    this.roi_heads = this.registerModule("roi_heads", new RoIHeads({
      boxHead: new TwoMLPHead(fpnChannels * 7 * 7, representationSize),
      boxPredictor: new FastRCNNPredictor(representationSize, numClasses),
      maskHead: new MaskRCNNHeads(fpnChannels, maskLayers),
      maskPredictor: new MaskRCNNPredictor(maskLayers[maskLayers.length - 1], maskDimReduced, numClasses),
    }, { scoreThresh: 0.05, nmsThresh: 0.5, detectionsPerImg: 100, batchSizePerImage: 512, positiveFraction: 0.25, ...roiHeads }));
  }

  /** Proposals and detections (in the resized images) of a list of (3, H, W) images in [0, 1]. */
  detect(images: Tensor[]): { batch: [number, number][]; proposals: Tensor[]; detections: Detections[] } {
    if (this.training) throw new Error("MaskRCNN: detect() runs in eval mode; in training mode call losses()");
    return torch.tidy(() => {
      const { tensors, imageSizes } = this.transform.forward(images);
      const features = this.backbone.forward(tensors);
      const { boxes: proposals } = this.rpn.forward(features, tensors.shape.slice(-2), imageSizes);
      const detections = this.roi_heads.forward(features.slice(0, 4), proposals, imageSizes);
      return { batch: imageSizes, proposals, detections };
    });
  }

  /**
   * torchvision's training losses (loss_objectness, loss_rpn_box_reg, loss_classifier, loss_box_reg,
   * loss_mask) for images and their ground truth in original-image coordinates (boxes (K, 4), labels
   * (K) int64, masks (K, H, W) uint8): with the same seed the samplers draw what torchvision's draw.
   */
  losses(images: Tensor[], targets: InstanceTargets[]): Record<"loss_objectness" | "loss_rpn_box_reg", Tensor> & RoILosses {
    if (targets.length !== images.length) throw new RangeError(`MaskRCNN: ${images.length} images but ${targets.length} targets`);
    return torch.tidy(() => {
      const { tensors, imageSizes } = this.transform.forward(images, true);
      const resized = targets.map((t, i) => {
        if (t.boxes.ndim !== 2 || t.boxes.shape[1] !== 4 || t.boxes.shape[0] === 0) throw new RangeError(`target ${i}: expected (K ≥ 1, 4) boxes, got [${t.boxes.shape}]`);
        if (t.labels.shape[0] !== t.boxes.shape[0] || t.masks.shape[0] !== t.boxes.shape[0]) throw new RangeError(`target ${i}: ${t.boxes.shape[0]} boxes but ${t.labels.shape[0]} labels and ${t.masks.shape[0]} masks`);
        return {
          boxes: resizeBoxes(t.boxes, [images[i].shape[1], images[i].shape[2]], imageSizes[i]),
          labels: t.labels,
          // torchvision resizes masks with F.interpolate's default, nearest.
          masks: torch.upsampleNearest2d(t.masks.unsqueeze(1).to("float32"), imageSizes[i]).squeeze(1).to("uint8"),
        };
      });
      const features = this.backbone.forward(tensors);
      const { boxes: proposals, anchors, objectness, deltas } = this.rpn.forward(features, tensors.shape.slice(-2), imageSizes);
      const rpn = this.rpn.loss(anchors, objectness, deltas, resized.map((t) => t.boxes));
      return { ...rpn, ...roiHeadLosses(this.roi_heads, features.slice(0, 4), proposals.map((p) => p.detach()), imageSizes, resized) };
    });
  }

  /** Detections per image in its original size: boxes (K, 4), labels (K), scores (K), masks (K, 1, H, W) probabilities. */
  forward(images: Tensor[]): Detections[] {
    return torch.tidy(() => {
      const { batch, detections } = this.detect(images);
      return this.transform.postprocess(detections, batch, images.map((im) => [im.shape[1], im.shape[2]] as [number, number]));
    });
  }
}
