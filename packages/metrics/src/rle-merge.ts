// Union or intersection of RLE masks, walking the runs of two encodings at once (pycocotools'
// merge); the result has the same runs pycocotools writes, empty runs included.
import type { Rle } from "./rle.js";
import { walkRunPairs } from "./rle-runs.js";

/** The union (or, with `intersect`, the intersection) of masks of one size. */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) return { size: [0, 0], counts: [] };
  const [h, w] = rles[0].size;
  let counts = [...rles[0].counts];
  for (const [i, rle] of rles.entries()) {
    if (rle.size[0] !== h || rle.size[1] !== w) throw new RangeError(`RLE ${i} is ${rle.size[0]}×${rle.size[1]}, not ${h}×${w} as RLE 0`);
    if (i > 0) counts = mergeRuns(counts, rle.counts, intersect);
  }
  return { size: [h, w], counts };
}

function mergeRuns(a: readonly number[], b: readonly number[], intersect: boolean): number[] {
  const out: number[] = [];
  let inside = false;
  let run = 0;
  walkRunPairs(a, b, (pixels, inA, inB) => {
    const on = intersect ? inA && inB : inA || inB;
    if (on !== inside) {
      out.push(run);
      run = 0;
      inside = on;
    }
    run += pixels;
  });
  out.push(run);
  return out;
}
