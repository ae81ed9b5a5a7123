// Non-maximum suppression as torchvision's nms and batched_nms compute it, with tensor ops for the
// overlaps and a plain loop for the greedy pass: scores sorted descending (stable, as the kernel
// does), a box dropped when its IoU with a kept, higher-scored box exceeds the threshold, the IoU in
// the box dtype and in the kernel's order (area_i + area_j − inter).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Indices of the boxes (N, 4) kept by NMS, highest score first. */
export function nms(boxes: Tensor, scores: Tensor, iouThreshold: number): number[] {
  if (boxes.shape[0] === 0) return [];
  const [order, overlaps] = torch.tidy(() => {
    const b = boxes.isFloatingPoint() ? boxes : boxes.to("float32");
    const [x0, y0, x1, y1] = [0, 1, 2, 3].map((i) => b.select(1, i));
    const areas = x1.sub(x0).mul(y1.sub(y0));
    const width = torch.minimum(x1.unsqueeze(1), x1.unsqueeze(0)).sub(torch.maximum(x0.unsqueeze(1), x0.unsqueeze(0))).clampMin(0);
    const height = torch.minimum(y1.unsqueeze(1), y1.unsqueeze(0)).sub(torch.maximum(y0.unsqueeze(1), y0.unsqueeze(0))).clampMin(0);
    const inter = width.mul(height);
    const iou = inter.div(areas.unsqueeze(1).add(areas.unsqueeze(0)).sub(inter));
    const sorted = torch.sort(scores, { stable: true, dim: 0, descending: true });
    return [sorted[1].toArray() as number[], iou.gt(iouThreshold).to("uint8").toTypedArray() as Uint8Array];
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

/**
 * NMS within each category `idxs` (N), never across: indices kept, highest score first. Like
 * torchvision on the CPU, more than 1,000 boxes go class by class (their union then sorted by score
 * with the same unstable sort), fewer through one NMS with each category's boxes shifted apart by
 * (max coordinate + 1): the two paths can round an IoU differently, so parity needs the same choice.
 */
export function batchedNms(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): number[] {
  if (boxes.shape[0] === 0) return [];
  if (boxes.numel() <= 4000) {
    const shifted = torch.tidy(() => boxes.add(idxs.to(boxes.dtype).mul(boxes.max().add(1)).unsqueeze(1)));
    const keep = nms(shifted, scores, iouThreshold);
    shifted.dispose();
    return keep;
  }
  return torch.tidy(() => {
    const categories = idxs.toArray() as number[];
    const members = new Map<number, number[]>();
    categories.forEach((c, i) => (members.get(c) ?? members.set(c, []).get(c)!).push(i));
    const kept = new Uint8Array(categories.length);
    for (const indices of members.values()) {
      const at = torch.tensor(indices, { dtype: "int64" });
      for (const k of nms(boxes.indexSelect(0, at), scores.indexSelect(0, at), iouThreshold)) kept[indices[k]] = 1;
    }
    const keepIndices = torch.tensor([...kept.keys()].filter((i) => kept[i]), { dtype: "int64" });
    const order = torch.sort(scores.indexSelect(0, keepIndices), { dim: 0, descending: true })[1];
    return keepIndices.indexSelect(0, order).toArray() as number[];
  });
}
