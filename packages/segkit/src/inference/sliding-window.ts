// Sliding-window inference as mmsegmentation does it: windows of `crop` every `stride`, the last one
// shifted back to end at the border, overlapping logits averaged.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Plan } from "./plan.js";

/** Window start offsets along one axis of `size`. */
function starts(size: number, crop: number, stride: number): number[] {
  const count = Math.floor(Math.max(size - crop + stride - 1, 0) / stride) + 1;
  return Array.from({ length: count }, (_, i) => Math.max(Math.min(i * stride + crop, size) - crop, 0));
}

/** Logits (N, numClasses, H, W) of `x` (N, C, H, W) from the network's logits on each window. */
export function* slidingWindowLogits(x: Tensor, crop: [number, number], stride: [number, number], numClasses: number): Plan<Tensor> {
  const [n, , h, w] = x.shape;
  const sum = torch.zeros([n, numClasses, h, w], { dtype: x.dtype });
  const count = torch.zeros([1, 1, h, w], { dtype: x.dtype });
  try {
    for (const y0 of starts(h, crop[0], stride[0])) {
      for (const x0 of starts(w, crop[1], stride[1])) {
        const [y1, x1] = [Math.min(y0 + crop[0], h), Math.min(x0 + crop[1], w)];
        const window = torch.tidy(() => x.slice(2, y0, y1).slice(3, x0, x1));
        let logits: Tensor;
        try {
          logits = yield window;
        } finally {
          window.dispose();
        }
        try {
          torch.tidy(() => {
            count.slice(2, y0, y1).slice(3, x0, x1).add_(1);
            sum.add_(torch.constantPadNd(logits, [x0, w - x1, y0, h - y1]));
          });
        } finally {
          logits.dispose();
        }
      }
    }
    return torch.tidy(() => sum.div(count));
  } finally {
    sum.dispose();
    count.dispose();
  }
}
