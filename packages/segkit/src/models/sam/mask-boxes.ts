// Boxes around masks and box non-maximum suppression for the automatic mask generator, as tensor
// ops. NMS follows torchvision's nms (the reference calls batched_nms with one category): scores
// sorted descending (stable), a box dropped when its IoU with a kept, higher-scored box exceeds the
// threshold; IoU computed in float32 in the kernel's order.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Boolean masks (N, H, W) → (N, 4) int64 boxes x0, y0, x1, y1 (inclusive); [0, 0, 0, 0] for an empty mask. */
export function maskBoxes(masks: Tensor): Tensor {
  const [n, h, w] = masks.shape;
  if (n === 0) return torch.zeros([0, 4], { dtype: "int64" });
  return torch.tidy(() => {
    const edges = (present: Tensor, size: number) => {
      const coords = present.mul(torch.arange(size).unsqueeze(0));
      const last = coords.amax(-1);
      const first = coords.add(present.logicalNot().mul(size)).amin(-1);
      return [first, last];
    };
    const [top, bottom] = edges(masks.amax(-1), h);
    const [left, right] = edges(masks.amax(-2), w);
    const empty = right.lt(left).logicalOr(bottom.lt(top));
    return torch.stack([left, top, right, bottom], -1).mul(empty.logicalNot().unsqueeze(-1));
  });
}

/** Indices of the boxes (N, 4) kept by NMS, highest score first. */
export function boxNms(boxes: Tensor, scores: Tensor, iouThreshold: number): number[] {
  if (boxes.shape[0] === 0) return [];
  const [order, overlaps] = torch.tidy(() => {
    const b = boxes.to("float32");
    const [x0, y0, x1, y1] = [0, 1, 2, 3].map((i) => b.select(1, i));
    const areas = x1.sub(x0).mul(y1.sub(y0));
    const width = torch.minimum(x1.unsqueeze(1), x1.unsqueeze(0)).sub(torch.maximum(x0.unsqueeze(1), x0.unsqueeze(0))).clampMin(0);
    const height = torch.minimum(y1.unsqueeze(1), y1.unsqueeze(0)).sub(torch.maximum(y0.unsqueeze(1), y0.unsqueeze(0))).clampMin(0);
    const inter = width.mul(height);
    const iou = inter.div(areas.unsqueeze(1).add(areas.unsqueeze(0)).sub(inter));
    const sorted = torch.sort(scores, { stable: true, dim: 0, descending: true });
    return [sorted[1].toArray(), iou.gt(iouThreshold).to("uint8").toTypedArray() as Uint8Array];
  });
  const n = order.length;
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (const i of order) {
    if (suppressed[i]) continue;
    keep.push(i);
    for (let j = 0; j < n; j++) if (overlaps[i * n + j]) suppressed[j] = 1;
  }
  return keep;
}
