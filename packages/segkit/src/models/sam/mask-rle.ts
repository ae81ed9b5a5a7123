// Uncompressed run-length encoding of binary masks as COCO (and the reference's amg utilities) write
// it: column-major runs, starting with a run of zeros (possibly empty).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface Rle {
  /** [height, width] */
  size: [number, number];
  counts: number[];
}

/** Boolean masks (B, H, W) → one RLE each. */
export function masksToRle(masks: Tensor): Rle[] {
  const [b, h, w] = masks.shape;
  const columnMajor = torch.tidy(() => masks.permute([0, 2, 1]).contiguous().to("uint8").toTypedArray()) as Uint8Array;
  const n = h * w;
  return Array.from({ length: b }, (_, i) => {
    const counts: number[] = [];
    let value = 0;
    let run = 0;
    for (let k = i * n; k < (i + 1) * n; k++) {
      if (columnMajor[k] !== value) {
        counts.push(run);
        value = columnMajor[k];
        run = 0;
      }
      run++;
    }
    counts.push(run);
    return { size: [h, w], counts };
  });
}

/** An RLE → its mask, row-major (H·W, 1 = foreground). */
export function rleToMask({ size: [h, w], counts }: Rle): Uint8Array {
  const mask = new Uint8Array(h * w);
  let k = 0;
  counts.forEach((count, i) => {
    if (i % 2 === 1) {
      for (let j = k; j < k + count; j++) mask[(j % h) * w + Math.trunc(j / h)] = 1;
    }
    k += count;
  });
  return mask;
}

/** Foreground pixels of an RLE. */
export function rleArea({ counts }: Rle): number {
  return counts.reduce((sum, c, i) => (i % 2 === 1 ? sum + c : sum), 0);
}
