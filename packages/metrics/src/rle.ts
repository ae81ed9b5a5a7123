// COCO's run-length encoding of binary masks, as pycocotools' mask API computes it: counts alternate
// runs of 0s and 1s over the pixels in column-major order (down each column, then the next column),
// starting with a run of 0s that may be empty. Masks outside this file are row-major H×W.

/** An uncompressed RLE: `size` is [height, width]. */
export interface Rle {
  size: [number, number];
  counts: number[];
}

/** A box as COCO writes it: [x, y, width, height]. */
export type Box = [number, number, number, number];

/** Encodes a row-major H×W mask (non-zero = inside). */
export function rleEncode(mask: ArrayLike<number>, height: number, width: number): Rle {
  if (mask.length !== height * width) throw new RangeError(`mask has ${mask.length} pixels, not ${height}×${width} = ${height * width}`);
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let p = x; p < mask.length; p += width) {
      const v = mask[p] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        value = v;
        run = 0;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** Throws unless the counts are non-negative integers covering exactly height × width pixels. */
export function checkRle({ size: [h, w], counts }: Rle, where: string): void {
  let sum = 0;
  for (const [i, c] of counts.entries()) {
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`${where}.counts[${i}] must be a non-negative integer, got ${c}`);
    sum += c;
  }
  if (sum !== h * w) throw new RangeError(`${where}.counts add up to ${sum} pixels, not ${h}×${w} = ${h * w}`);
}

/** The row-major H×W mask (1 = inside). */
export function rleDecode(rle: Rle): Uint8Array {
  checkRle(rle, "RLE");
  const [h, w] = rle.size;
  const mask = new Uint8Array(h * w);
  let k = 0;
  rle.counts.forEach((count, i) => {
    if (i % 2 === 1) for (let j = k; j < k + count; j++) mask[(j % h) * w + (j - (j % h)) / h] = 1;
    k += count;
  });
  return mask;
}

/** Pixels inside. */
export function rleArea({ counts }: Rle): number {
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}

/**
 * The bounding box as pycocotools' toBbox gives it: from the first and last pixel of each run of 1s;
 * a run that wraps into the next column spans the full height.
 */
export function rleToBbox({ size: [h, w], counts }: Rle): Box {
  const m = counts.length - (counts.length % 2); // a trailing run of 0s adds nothing
  if (m === 0) return [0, 0, 0, 0];
  let xs = w, ys = h, xe = 0, ye = 0, start = 0, end = 0;
  for (let j = 0; j < m; j++) {
    end += counts[j];
    const t = (end - (j % 2)) >>> 0; // the run's first pixel (j even) or last pixel (j odd)
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) start = x;
    else if (start < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
