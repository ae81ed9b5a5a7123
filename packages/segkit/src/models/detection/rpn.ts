// The region proposal network of Faster R-CNN in torchvision's layout (keys conv.0.0, cls_logits,
// bbox_pred): one shared 3×3 conv + ReLU on every level, then objectness and box deltas per anchor.
// Proposals: per image and level the pre-NMS top-n anchors by objectness, decoded, clipped to the
// image, boxes under minSize and scores under scoreThresh dropped, NMS per level, post-NMS top-n.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { AnchorGenerator } from "./anchor-generator.js";
import { BoxCoder } from "./box-coder.js";
import { boxIou, clipBoxesToImage, removeSmallBoxes } from "./boxes.js";
import { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, matchBoxes, sampleBalanced } from "./matcher.js";
import { batchedNms } from "./nms.js";

// aten's reduction codes (the detection losses share them).
export const REDUCTION_MEAN = 1;
export const REDUCTION_SUM = 2;

export class RPNHead extends nn.Module {
  readonly conv: nn.Sequential;
  readonly cls_logits: nn.Conv2d;
  readonly bbox_pred: nn.Conv2d;

  constructor(inChannels: number, numAnchors: number) {
    super();
    this.conv = this.registerModule("conv", new nn.Sequential(new nn.Sequential(new nn.Conv2d(inChannels, inChannels, 3, { padding: 1 }), new nn.ReLU({ inplace: true }))));
    this.cls_logits = this.registerModule("cls_logits", new nn.Conv2d(inChannels, numAnchors, 1));
    this.bbox_pred = this.registerModule("bbox_pred", new nn.Conv2d(inChannels, numAnchors * 4, 1));
  }

  /** Per level: objectness (N, A, H, W) and deltas (N, 4A, H, W). */
  forward(features: Tensor[]): [Tensor[], Tensor[]] {
    const objectness: Tensor[] = [];
    const deltas: Tensor[] = [];
    for (const f of features) {
      const t = this.conv.call(f) as Tensor;
      objectness.push(this.cls_logits.call(t));
      deltas.push(this.bbox_pred.call(t));
    }
    return [objectness, deltas];
  }
}

/** (N, C·A, H, W) → (N, H·W·A, C): anchors ordered as the generator lays them out. */
export function flattenPerAnchor(x: Tensor, channels: number): Tensor {
  const [n, , h, w] = x.shape;
  return x.reshape([n, -1, channels, h, w]).permute([0, 3, 4, 1, 2]).reshape([n, -1, channels]);
}

export interface RPNOptions {
  /** Training: anchors with IoU ≥ fgIouThresh are positive, < bgIouThresh negative (0.7, 0.3). */
  fgIouThresh: number;
  bgIouThresh: number;
  /** Training: anchors sampled per image (256), the positive fraction at most (0.5). */
  batchSizePerImage: number;
  positiveFraction: number;
  /** Anchors kept per level before NMS, and proposals kept per image after it, in training and in testing (2000/2000, 1000/1000). */
  preNmsTopNTrain: number;
  preNmsTopNTest: number;
  postNmsTopNTrain: number;
  postNmsTopNTest: number;
  nmsThresh: number;
  scoreThresh: number;
}

export class RegionProposalNetwork extends nn.Module {
  readonly head: RPNHead;
  readonly boxCoder = new BoxCoder([1, 1, 1, 1]);
  readonly minSize = 1e-3;

  constructor(readonly anchorGenerator: AnchorGenerator, head: RPNHead, readonly options: RPNOptions) {
    super();
    this.head = this.registerModule("head", head);
  }

  /**
   * Proposals (≤ postNmsTopN, 4) per image with their objectness probabilities; also the anchors and
   * the raw predictions (N, ΣHWA) and (N, ΣHWA, 4) for the losses.
   */
  forward(features: Tensor[], batchSize: number[], imageSizes: [number, number][]): { boxes: Tensor[]; scores: Tensor[]; anchors: Tensor; objectness: Tensor; deltas: Tensor } {
    return torch.tidy(() => {
      const [objectnessLevels, deltaLevels] = this.head.forward(features);
      const anchors = this.anchorGenerator.forward(features.map((f) => f.shape.slice(-2)), batchSize);
      const perLevel = objectnessLevels.map((o) => o.shape[1] * o.shape[2] * o.shape[3]);
      const objectness = torch.cat(objectnessLevels.map((o) => flattenPerAnchor(o, 1).squeeze(2)), 1);
      const deltas = torch.cat(deltaLevels.map((d) => flattenPerAnchor(d, 4)), 1);
      const n = objectness.shape[0];
      const proposals = this.boxCoder.decode(deltas.detach().reshape([-1, 4]), anchors.repeat([n, 1])).reshape([n, -1, 4]);
      const { boxes, scores } = this.filterProposals(proposals, objectness.detach(), imageSizes, perLevel);
      return { boxes, scores, anchors, objectness, deltas };
    });
  }

  filterProposals(proposals: Tensor, objectness: Tensor, imageSizes: [number, number][], perLevel: number[]): { boxes: Tensor[]; scores: Tensor[] } {
    const topN = this.training ? this.options.preNmsTopNTrain : this.options.preNmsTopNTest;
    const postN = this.training ? this.options.postNmsTopNTrain : this.options.postNmsTopNTest;
    // The top-n anchors of each level, with their level index.
    const picked: Tensor[] = [];
    const levels: Tensor[] = [];
    let offset = 0;
    perLevel.forEach((count, level) => {
      const [, index] = objectness.narrow(1, offset, count).topk(Math.min(topN, count), { dim: 1 });
      picked.push(index.add(offset));
      levels.push(torch.full([Math.min(topN, count)], level, { dtype: "int64" }));
      offset += count;
    });
    const index = torch.cat(picked, 1);
    const level = torch.cat(levels, 0);
    const boxes: Tensor[] = [];
    const scores: Tensor[] = [];
    imageSizes.forEach((size, i) => {
      const at = index.select(0, i);
      let b = clipBoxesToImage(proposals.select(0, i).indexSelect(0, at), size);
      let s = objectness.select(0, i).indexSelect(0, at).sigmoid();
      let l = level;
      const keepSize = removeSmallBoxes(b, this.minSize);
      [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, keepSize));
      const keepScore = s.ge(this.options.scoreThresh).nonzero().flatten();
      [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, keepScore));
      const keep = torch.tensor(batchedNms(b, s, l, this.options.nmsThresh).slice(0, postN), { dtype: "int64" });
      boxes.push(b.indexSelect(0, keep));
      scores.push(s.indexSelect(0, keep));
    });
    return { boxes, scores };
  }

  /**
   * torchvision's RPN training losses for one forward's anchors (ΣHWA, 4), objectness (N, ΣHWA) and
   * deltas (N, ΣHWA, 4), against each image's ground-truth boxes: anchors matched (allowing
   * low-quality matches), a balanced minibatch drawn with torch.randperm, binary cross-entropy on the
   * drawn anchors and smooth L1 (β = 1/9) on the positives' deltas, summed over the minibatch size.
   */
  loss(anchors: Tensor, objectness: Tensor, deltas: Tensor, targets: Tensor[]): { loss_objectness: Tensor; loss_rpn_box_reg: Tensor } {
    return torch.tidy(() => {
      const labels: Tensor[] = [];
      const regression: Tensor[] = [];
      for (const gt of targets) {
        const matches = matchBoxes(boxIou(gt, anchors), this.options.fgIouThresh, this.options.bgIouThresh, true);
        regression.push(this.boxCoder.encode(gt.indexSelect(0, matches.clampMin(0)), anchors));
        // 1 matched, 0 background (BELOW_LOW_THRESHOLD), −1 ignored (BETWEEN_THRESHOLDS).
        labels.push(torch.where(matches.eq(BETWEEN_THRESHOLDS), torch.scalar(-1, "float32"), matches.ne(BELOW_LOW_THRESHOLD).to("float32")));
      }
      const { positive, negative } = sampleBalanced(labels, this.options.batchSizePerImage, this.options.positiveFraction);
      const pos = torch.cat(positive, 0).nonzero().flatten();
      const sampled = torch.cat([pos, torch.cat(negative, 0).nonzero().flatten()], 0);
      const boxLoss = torch.smoothL1Loss(deltas.reshape([-1, 4]).indexSelect(0, pos), torch.cat(regression, 0).indexSelect(0, pos), REDUCTION_SUM, 1 / 9)
        .div(sampled.shape[0]);
      const objectnessLoss = torch.binaryCrossEntropyWithLogits(objectness.flatten().indexSelect(0, sampled), torch.cat(labels, 0).indexSelect(0, sampled), null, null, REDUCTION_MEAN);
      return { loss_objectness: objectnessLoss, loss_rpn_box_reg: boxLoss };
    });
  }
}
