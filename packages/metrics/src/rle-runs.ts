// Walking the runs of two RLEs of one mask size side by side, as pycocotools' merge and iou do: each
// stretch of pixels over which neither mask changes is visited once, with whether each mask is on
// there (stretches may be empty where a run is empty).

export function walkRunPairs(a: readonly number[], b: readonly number[], visit: (pixels: number, inA: boolean, inB: boolean) => void): void {
  let leftA = a[0], leftB = b[0]; // pixels left in the current run of each
  let nextA = 1, nextB = 1;
  let inA = false, inB = false;
  for (let remaining = 1; remaining > 0; ) {
    const step = Math.min(leftA, leftB);
    visit(step, inA, inB);
    leftA -= step;
    if (leftA === 0 && nextA < a.length) {
      leftA = a[nextA++];
      inA = !inA;
    }
    leftB -= step;
    if (leftB === 0 && nextB < b.length) {
      leftB = b[nextB++];
      inB = !inB;
    }
    remaining = leftA + leftB;
  }
}
