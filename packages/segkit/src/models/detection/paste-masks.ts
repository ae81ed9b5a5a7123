// Mask R-CNN's M×M mask probabilities pasted into the image as torchvision's paste_masks_in_image
// does: the mask padded by one pixel and its box grown by the same factor (M + 2) / M about its
// centre, the box truncated to integers, the padded mask resized bilinearly to the box's
// (x2 − x1 + 1) × (y2 − y1 + 1) and written where it overlaps the image.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { corners } from "./boxes.js";

/** Masks (K, 1, M, M) and their boxes (K, 4) → (K, 1, height, width). */
export function pasteMasksInImage(masks: Tensor, boxes: Tensor, [height, width]: [number, number], padding = 1): Tensor {
  return torch.tidy(() => {
    const m = masks.shape[masks.ndim - 1];
    const scale = (m + 2 * padding) / m;
    const padded = nn.functional.pad(masks, [padding, padding, padding, padding]);
    const [x1, y1, x2, y2] = corners(boxes);
    const halfW = x2.sub(x1).mul(0.5).mul(scale);
    const halfH = y2.sub(y1).mul(0.5).mul(scale);
    const cx = x2.add(x1).mul(0.5);
    const cy = y2.add(y1).mul(0.5);
    const grown = torch.stack([cx.sub(halfW), cy.sub(halfH), cx.add(halfW), cy.add(halfH)], 1).to("int64").toArray();
    // Written in place into one zeroed batch: the image-sized pass happens once, not per mask and again to stack.
    const pasted = torch.zeros([masks.shape[0], 1, height, width], { dtype: masks.dtype });
    for (let i = 0; i < masks.shape[0]; i++) {
      const [bx1, by1, bx2, by2] = grown.slice(4 * i, 4 * i + 4);
      const w = Math.max(bx2 - bx1 + 1, 1);
      const h = Math.max(by2 - by1 + 1, 1);
      const x0 = Math.max(bx1, 0);
      const xEnd = Math.min(bx2 + 1, width);
      const y0 = Math.max(by1, 0);
      const yEnd = Math.min(by2 + 1, height);
      if (xEnd <= x0 || yEnd <= y0) continue;
      const resized = torch.upsampleBilinear2d(padded.narrow(0, i, 1), [h, w], false);
      pasted.narrow(0, i, 1).narrow(2, y0, yEnd - y0).narrow(3, x0, xEnd - x0)
        .copy_(resized.narrow(2, y0 - by1, yEnd - y0).narrow(3, x0 - bx1, xEnd - x0));
    }
    return pasted;
  });
}
