// Box utilities on (N, 4) tensors of x1, y1, x2, y2, as torchvision.ops.boxes computes them.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** The four coordinate columns (N) of boxes (N, 4). */
export function corners(boxes: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  return [0, 1, 2, 3].map((i) => boxes.select(1, i)) as [Tensor, Tensor, Tensor, Tensor];
}

/** (N) areas. */
export function boxArea(boxes: Tensor): Tensor {
  const [x1, y1, x2, y2] = corners(boxes);
  return x2.sub(x1).mul(y2.sub(y1));
}

/** (N, M) intersection over union of every pair. */
export function boxIou(a: Tensor, b: Tensor): Tensor {
  return torch.tidy(() => {
    const lt = torch.maximum(a.slice(1, 0, 2).unsqueeze(1), b.slice(1, 0, 2).unsqueeze(0));
    const rb = torch.minimum(a.slice(1, 2, 4).unsqueeze(1), b.slice(1, 2, 4).unsqueeze(0));
    const wh = rb.sub(lt).clampMin(0);
    const inter = wh.select(2, 0).mul(wh.select(2, 1));
    return inter.div(boxArea(a).unsqueeze(1).add(boxArea(b).unsqueeze(0)).sub(inter));
  });
}

/** Boxes (…, 4) clamped to an image of `size` [height, width]. */
export function clipBoxesToImage(boxes: Tensor, [height, width]: number[]): Tensor {
  return torch.tidy(() => {
    const x = boxes.slice(-1, 0, 4, 2).clamp(0, width);
    const y = boxes.slice(-1, 1, 4, 2).clamp(0, height);
    return torch.stack([x, y], -1).reshape(boxes.shape);
  });
}

/** (K) int64 indices of the boxes whose sides are both at least `minSize`. */
export function removeSmallBoxes(boxes: Tensor, minSize: number): Tensor {
  return torch.tidy(() => {
    const [x1, y1, x2, y2] = corners(boxes);
    return x2.sub(x1).ge(minSize).logicalAnd(y2.sub(y1).ge(minSize)).nonzero().flatten();
  });
}

/** Boxes scaled from an image of `from` [height, width] to one of `to`, with float32 ratios. */
export function resizeBoxes(boxes: Tensor, from: number[], to: number[]): Tensor {
  const ratioH = Math.fround(to[0] / from[0]);
  const ratioW = Math.fround(to[1] / from[1]);
  return torch.tidy(() => boxes.mul(torch.tensor(Float32Array.of(ratioW, ratioH, ratioW, ratioH))));
}
