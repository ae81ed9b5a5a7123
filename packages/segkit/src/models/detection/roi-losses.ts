// torchvision's RoI-head training losses for Mask R-CNN: the ground-truth boxes appended to the
// proposals, proposals matched at IoU 0.5, a minibatch per image (the heads' batchSizePerImage, 512,
// with at most positiveFraction, a quarter, positive) drawn by torch.randperm; cross-entropy over classes, smooth L1 (β = 1/9) on each
// positive's own-class deltas against its box (coder weights 10, 10, 5, 5) summed over the
// minibatch, and binary cross-entropy of each positive's own-class mask logits against its
// ground-truth mask RoIAligned (adaptive sampling) onto the proposal at the logits' size.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { boxIou } from "./boxes.js";
import { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, matchBoxes, sampleBalanced } from "./matcher.js";
import type { RoIHeads } from "./roi-heads.js";
import { roiAlign } from "./roi-align.js";
import { REDUCTION_MEAN, REDUCTION_SUM } from "./rpn.js";

// torchvision's box_fg_iou_thresh and box_bg_iou_thresh: one threshold, so nothing lies between.
const FG_BG_IOU = 0.5;

/** One image's ground truth in the resized image: boxes (K, 4), labels (K) int64, masks (K, H, W). */
export interface InstanceTargets {
  boxes: Tensor;
  labels: Tensor;
  masks: Tensor;
}

export interface RoILosses {
  loss_classifier: Tensor;
  loss_box_reg: Tensor;
  loss_mask: Tensor;
}

/** The RoI heads' losses for `proposals` (detached) per image, as torchvision's training forward computes them. */
export function roiHeadLosses(heads: RoIHeads, features: Tensor[], proposals: Tensor[], imageSizes: [number, number][], targets: InstanceTargets[]): RoILosses {
  const { batchSizePerImage, positiveFraction } = heads.options;
  return torch.tidy(() => {
    const withGt = proposals.map((p, i) => torch.cat([p, targets[i].boxes], 0));
    const matched: Tensor[] = [];
    const labels: Tensor[] = [];
    withGt.forEach((p, i) => {
      const matches = matchBoxes(boxIou(targets[i].boxes, p), FG_BG_IOU, FG_BG_IOU, false);
      const clamped = matches.clampMin(0);
      let l = targets[i].labels.indexSelect(0, clamped);
      l = torch.where(matches.eq(BELOW_LOW_THRESHOLD), torch.scalar(0, "int64"), l);
      l = torch.where(matches.eq(BETWEEN_THRESHOLDS), torch.scalar(-1, "int64"), l);
      matched.push(clamped);
      labels.push(l);
    });
    const { positive, negative } = sampleBalanced(labels, batchSizePerImage, positiveFraction);
    const sampled = positive.map((p, i) => p.bitwiseOr(negative[i]).nonzero().flatten());
    const boxes = withGt.map((p, i) => p.indexSelect(0, sampled[i]));
    const sampledLabels = labels.map((l, i) => l.indexSelect(0, sampled[i]));
    const sampledMatches = matched.map((m, i) => m.indexSelect(0, sampled[i]));
    const regression = torch.cat(boxes.map((b, i) => heads.boxCoder.encode(targets[i].boxes.indexSelect(0, sampledMatches[i]), b)), 0);

    const [classLogits, boxDeltas] = heads.box_predictor.forward(heads.box_head.forward(heads.boxRoiPool.forward(features, boxes, imageSizes)));
    const allLabels = torch.cat(sampledLabels, 0);
    const lossClassifier = torch.crossEntropyLoss(classLogits, allLabels, null, REDUCTION_MEAN);
    const pos = allLabels.gt(0).nonzero().flatten();
    const ownDeltas = boxDeltas.reshape([classLogits.shape[0], -1, 4]).indexSelect(0, pos)
      .gather(1, allLabels.indexSelect(0, pos).reshape([-1, 1, 1]).expand([-1, 1, 4])).squeeze(1);
    const lossBoxReg = torch.smoothL1Loss(ownDeltas, regression.indexSelect(0, pos), REDUCTION_SUM, 1 / 9).div(allLabels.shape[0]);

    const positives = sampledLabels.map((l) => l.gt(0).nonzero().flatten());
    const maskBoxes = boxes.map((b, i) => b.indexSelect(0, positives[i]));
    const maskMatches = sampledMatches.map((m, i) => m.indexSelect(0, positives[i]));
    const maskLogits = heads.mask_predictor.forward(heads.mask_head.call(heads.maskRoiPool.forward(features, maskBoxes, imageSizes)) as Tensor);
    const size = maskLogits.shape[maskLogits.ndim - 1];
    const maskTargets = torch.cat(maskBoxes.map((b, i) => roiAlign(targets[i].masks.unsqueeze(1).to(b.dtype),
      torch.cat([maskMatches[i].to(b.dtype).unsqueeze(1), b], 1), { outputSize: [size, size], spatialScale: 1, samplingRatio: -1 }).select(1, 0)), 0);
    const maskLabels = torch.cat(maskMatches.map((m, i) => targets[i].labels.indexSelect(0, m)), 0);
    const lossMask = maskTargets.shape[0] === 0
      ? maskLogits.sum().mul(0)
      : torch.binaryCrossEntropyWithLogits(maskLogits.gather(1, maskLabels.reshape([-1, 1, 1, 1]).expand([-1, 1, size, size])).squeeze(1), maskTargets, null, null, REDUCTION_MEAN);
    return { loss_classifier: lossClassifier, loss_box_reg: lossBoxReg, loss_mask: lossMask };
  });
}
