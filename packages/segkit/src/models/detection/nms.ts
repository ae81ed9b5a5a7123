// Non-maximum suppression as torchvision's nms and batched_nms compute it: scores sorted descending
// (stable, as the kernel does), then the kernel's greedy pass — a box dropped when its IoU with a
// kept, higher-scored box exceeds the threshold —, each IoU computed only for boxes still standing,
// in the box dtype's arithmetic (float32 by Math.fround) and in the kernel's order (area_i + area_j − inter).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Indices of the boxes (N, 4) kept by NMS, highest score first. */
export function nms(boxes: Tensor, scores: Tensor, iouThreshold: number): number[] {
  const n = boxes.shape[0];
  if (n === 0) return [];
  const [corners, order] = torch.tidy(() => {
    const b = boxes.dtype === "float64" ? boxes : boxes.to("float32");
    const sorted = torch.sort(scores, { stable: true, dim: 0, descending: true });
    return [b.contiguous().toTypedArray() as Float32Array | Float64Array, sorted[1].toArray() as number[]];
  });
  const round = corners instanceof Float64Array ? (v: number) => v : Math.fround;
  const areas = new Float64Array(n);
  for (let i = 0; i < n; i++) areas[i] = round(round(corners[4 * i + 2] - corners[4 * i]) * round(corners[4 * i + 3] - corners[4 * i + 1]));
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n; a++) {
    const i = order[a];
    if (suppressed[i]) continue;
    keep.push(i);
    const [ix1, iy1, ix2, iy2] = [corners[4 * i], corners[4 * i + 1], corners[4 * i + 2], corners[4 * i + 3]];
    for (let b = a + 1; b < n; b++) {
      const j = order[b];
      if (suppressed[j]) continue;
      const w = Math.max(0, round(Math.min(ix2, corners[4 * j + 2]) - Math.max(ix1, corners[4 * j])));
      const h = Math.max(0, round(Math.min(iy2, corners[4 * j + 3]) - Math.max(iy1, corners[4 * j + 1])));
      const inter = round(w * h);
      if (round(inter / round(round(areas[i] + areas[j]) - inter)) > iouThreshold) suppressed[j] = 1;
    }
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
