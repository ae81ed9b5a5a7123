// Output checks inside a benchmark: a fast wrong answer must fail the run, not win it.

/** Throws unless |a − e| ≤ atol + rtol·|e| everywhere (and the lengths agree). */
export function checkClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: { rtol: number; atol: number }): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (tolerance.atol + tolerance.rtol * Math.abs(expected[i]));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  if (at >= 0) {
    throw new Error(`${what}: value ${at} is ${actual[at]}, expected ${expected[at]} (rtol ${tolerance.rtol}, atol ${tolerance.atol})`);
  }
}
