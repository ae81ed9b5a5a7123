// YOLACT's training losses (layers/modules/multibox_loss.py with yolact_base's settings): priors
// matched to the ground truth (match.ts); B, smooth-L1 on the positives' regressions (×1.5); C,
// cross-entropy on the positives and the 3× as many hardest negatives (OHEM, ranked by −log p(bg));
// M, per positive the BCE of sigmoid(prototypes · coefficients) cropped to its ground-truth box
// against the box's mask downsampled to the prototypes (bilinear, > 0.5), summed over the box as
// RoI pooling would normalise it (× 6.125); B, C and M divided by the batch's positives. S, the
// semantic segmentation logits' BCE against every class's union of masks at P3, per pixel, divided
// by the batch size. More positives than masksToTrain in an image are subsampled by randperm, the
// authors' draw (the same generator gives the same choice).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { cropMasks } from "./assemble-masks.js";
import { matchPriors } from "./match.js";
import type { YolactRawOutputs } from "./yolact.js";

/** One image's ground truth: corner boxes (n, 4) relative to the image, 0-based foreground labels (n), masks (n, H, W) at the input size. */
export interface YolactTarget {
  boxes: Tensor;
  labels: Tensor;
  masks: Tensor;
}

export interface YolactLossOptions {
  posThresh: number;
  negThresh: number;
  negPosRatio: number;
  bboxAlpha: number;
  confAlpha: number;
  maskAlpha: number;
  semanticAlpha: number;
  masksToTrain: number;
}

export const YOLACT_BASE_LOSS: YolactLossOptions = {
  posThresh: 0.5, negThresh: 0.4, negPosRatio: 3, bboxAlpha: 1.5, confAlpha: 1, maskAlpha: 6.125, semanticAlpha: 1, masksToTrain: 100,
};

const REDUCTION_SUM = 2;

function downsample(masks: Tensor, [h, w]: number[]): Tensor {
  return torch.upsampleBilinear2d(masks.to("float32").unsqueeze(0), [h, w], false).squeeze(0).gt(0.5).to("float32");
}

/** −log p(background) per prior (B, P) as the authors' log_sum_exp computes it (shifted by the batch's largest logit). */
function backgroundLoss(conf: Tensor): Tensor {
  const top = conf.max();
  return conf.sub(top).exp().sum(-1).log().add(top).sub(conf.select(-1, 0));
}

function ohemConfLoss(conf: Tensor, confT: Tensor, pos: Tensor, ratio: number): Tensor {
  const ranked = backgroundLoss(conf).maskedFill(pos.logicalOr(confT.lt(0)), 0);
  const rank = ranked.sort({ dim: 1, descending: true })[1].sort({ dim: 1 })[1];
  const numNeg = pos.sum([1], true).mul(ratio).clampMax(pos.shape[1] - 1);
  const neg = rank.lt(numNeg).logicalAnd(pos.logicalNot()).logicalAnd(confT.ge(0));
  const chosen = pos.logicalOr(neg);
  return torch.crossEntropyLoss(conf.index([chosen]), confT.index([chosen]), null, REDUCTION_SUM);
}

function maskLoss(prototypes: Tensor, coefficients: Tensor, boxes: Tensor, targets: Tensor, masksToTrain: number): Tensor {
  const [h, w] = prototypes.shape;
  let scale = 1;
  if (coefficients.shape[0] > masksToTrain) {
    const select = torch.randperm(coefficients.shape[0], { dtype: "int64" }).slice(0, 0, masksToTrain);
    scale = coefficients.shape[0] / masksToTrain;
    [coefficients, boxes, targets] = [coefficients.indexSelect(0, select), boxes.indexSelect(0, select), targets.indexSelect(0, select)];
  }
  const predicted = cropMasks(prototypes.matmul(coefficients.t()).sigmoid().permute([2, 0, 1]), boxes);
  const perMask = torch.binaryCrossEntropy(predicted.clamp(0, 1), targets, null, 0).sum([1, 2]);
  const boxW = boxes.select(1, 2).sub(boxes.select(1, 0)).mul(w);
  const boxH = boxes.select(1, 3).sub(boxes.select(1, 1)).mul(h);
  return perMask.div(boxW).div(boxH).mul(h * w).mul(scale).sum();
}

function semanticLoss(segm: Tensor, target: YolactTarget): Tensor {
  const [classes, h, w] = segm.shape;
  const masks = downsample(target.masks, [h, w]);
  const labels = target.labels.toArray() as number[];
  const planes = Array.from({ length: classes }, (_, c) => {
    const own = labels.flatMap((l, k) => (l === c ? [k] : []));
    return own.length === 0 ? torch.zeros([h, w]) : masks.indexSelect(0, torch.tensor(own, { dtype: "int64" })).amax(0);
  });
  return torch.binaryCrossEntropyWithLogits(segm, torch.stack(planes), null, null, REDUCTION_SUM);
}

/** The four weighted losses B, C, M, S of a batch's raw training outputs against its targets. */
export function yolactLosses(raw: YolactRawOutputs, targets: YolactTarget[], o: YolactLossOptions = YOLACT_BASE_LOSS): Record<"B" | "C" | "M" | "S", Tensor> {
  const batch = raw.loc.shape[0];
  if (targets.length !== batch) throw new RangeError(`yolactLosses: ${batch} images but ${targets.length} targets`);
  if (!raw.segm) throw new Error("yolactLosses: the raw outputs have no semantic segmentation logits (run the model in training mode)");
  const segm = raw.segm;
  return torch.tidy(() => {
    const matches = targets.map((t) => matchPriors(t.boxes, t.labels, raw.priors, o.posThresh, o.negThresh));
    const confT = torch.stack(matches.map((m) => m.conf));
    const pos = confT.gt(0);
    const totalPos = pos.sum().item();
    const locT = torch.stack(matches.map((m) => m.loc));
    const B = torch.smoothL1Loss(raw.loc.index([pos]), locT.index([pos]), REDUCTION_SUM, 1).mul(o.bboxAlpha);
    const C = ohemConfLoss(raw.conf, confT, pos, o.negPosRatio).mul(o.confAlpha);
    const protoSize = raw.proto.shape.slice(1, 3);
    const M = targets.map((t, i) => {
      const positive = pos.select(0, i).nonzero().flatten();
      if (positive.shape[0] === 0) return torch.zeros([]);
      const box = matches[i].index.indexSelect(0, positive);
      return maskLoss(raw.proto.select(0, i), raw.mask.select(0, i).indexSelect(0, positive), t.boxes.indexSelect(0, box),
        downsample(t.masks, protoSize).indexSelect(0, box), o.masksToTrain);
    }).reduce((a, b) => a.add(b)).mul(o.maskAlpha / protoSize[0] / protoSize[1]);
    const S = targets.map((t, i) => semanticLoss(segm.select(0, i), t)).reduce((a, b) => a.add(b))
      .div(segm.shape[2] * segm.shape[3]).mul(o.semanticAlpha);
    return { B: B.div(totalPos), C: C.div(totalPos), M: M.div(totalPos), S: S.div(batch) };
  });
}
