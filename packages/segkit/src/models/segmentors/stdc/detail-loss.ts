// STDC-Seg's detail loss (the authors' DetailAggregateLoss), used in training only: boundary targets
// from the label map by a Laplacian conv at strides 1, 2 and 4, each thresholded and upsampled
// (nearest) to full size, fused by a fixed 1×1 conv (0.6, 0.3, 0.1) and thresholded again; then
// binary cross-entropy plus Dice of the detail head's logits against them.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { spatial } from "../../blocks/resize.js";

const LAPLACIAN = [-1, -1, -1, -1, 8, -1, -1, -1, -1];
// The authors register these weights as a parameter, but their targets are overwritten by
// thresholding, so no gradient ever reaches them: a constant here.
const FUSE = [0.6, 0.3, 0.1];

function binary(x: Tensor): Tensor {
  return x.gt(0.1).to("float32");
}

/** Boundary targets (N, 1, H, W) in {0, 1} from integer labels (N, H, W), raw label values included. */
export function boundaryTargets(target: Tensor): Tensor {
  return torch.tidy(() => torch.noGrad(() => {
    const labels = target.unsqueeze(1).to("float32");
    const kernel = torch.tensor(LAPLACIAN, { dtype: "float32" }).reshape([1, 1, 3, 3]);
    const size = spatial(labels);
    const levels = [1, 2, 4].map((stride) => {
      const edges = torch.conv2d(labels, kernel, null, stride, 1).clampMin(0);
      return binary(stride === 1 ? edges : torch.upsampleNearest2d(edges, size));
    });
    const fused = torch.conv2d(torch.cat(levels, 1), torch.tensor(FUSE, { dtype: "float32" }).reshape([1, 3, 1, 1]));
    return binary(fused);
  }));
}

/** Dice loss of probabilities against targets, per image with smoothing 1, averaged over the batch. */
function dice(probabilities: Tensor, targets: Tensor): Tensor {
  const p = probabilities.flatten(1);
  const t = targets.flatten(1);
  const overlap = p.mul(t).sum([1]).mul(2).add(1);
  return overlap.div(p.sum([1]).add(t.sum([1])).add(1)).rsub(1).mean();
}

/** BCE and Dice of detail logits (N, 1, h, w; resized to the labels, bilinear with aligned corners) against the boundary targets. */
export function detailLoss(logits: Tensor, target: Tensor): { bce: Tensor; dice: Tensor } {
  const size = spatial(target);
  const full = logits.shape[3] === size[1] && logits.shape[2] === size[0] ? logits : torch.upsampleBilinear2d(logits, size, true);
  const targets = boundaryTargets(target);
  const bce = torch.binaryCrossEntropyWithLogits(full, targets);
  return { bce, dice: dice(torch.sigmoid(full), targets) };
}
