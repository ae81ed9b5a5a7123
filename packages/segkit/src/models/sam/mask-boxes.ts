// Boxes around masks for the automatic mask generator, as tensor ops.
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
