// YOLACT's masks (layers/output_utils.py postprocess, lincomb): each detection's coefficients
// combine the prototypes linearly, a sigmoid gives probabilities, and everything outside the
// detection's box — widened by one prototype pixel each side (box_utils.crop) — is zeroed.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Columns or rows (n, 1, size) ≥ lo and < hi of boxes' relative coordinates a, b (n), as box_utils.sanitize_coordinates pads them. */
function within(a: Tensor, b: Tensor, size: number): Tensor {
  const lo = torch.minimum(a.mul(size), b.mul(size)).sub(1).clampMin(0).reshape([-1, 1, 1]);
  const hi = torch.maximum(a.mul(size), b.mul(size)).add(1).clampMax(size).reshape([-1, 1, 1]);
  const at = torch.arange(size, { dtype: "float32" });
  return at.ge(lo).logicalAnd(at.lt(hi));
}

/** Masks (n, H, W) zeroed outside their relative boxes (n, 4), each widened by a pixel (box_utils.crop). */
export function cropMasks(masks: Tensor, boxes: Tensor): Tensor {
  return torch.tidy(() => {
    const [h, w] = masks.shape.slice(1);
    const inColumns = within(boxes.select(1, 0), boxes.select(1, 2), w);
    const inRows = within(boxes.select(1, 1), boxes.select(1, 3), h).transpose(1, 2);
    return masks.mul(inColumns.logicalAnd(inRows).to("float32"));
  });
}

/** Mask probabilities (n, H, W) at the prototypes' size from prototypes (H, W, K), coefficients (n, K) and relative boxes (n, 4). */
export function assembleMasks(prototypes: Tensor, coefficients: Tensor, boxes: Tensor): Tensor {
  return torch.tidy(() => cropMasks(prototypes.matmul(coefficients.t()).sigmoid().permute([2, 0, 1]), boxes));
}

/** Mask probabilities (n, H, W) resized bilinearly to an image of [height, width], before any threshold. */
export function resizeMasks(masks: Tensor, [height, width]: [number, number]): Tensor {
  return torch.tidy(() => torch.upsampleBilinear2d(masks.unsqueeze(0), [height, width], false).squeeze(0));
}
