// Shared by the tests: fixture paths and tensor comparisons with stated tolerances.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Tensor } from "../src/index.js";

/** A file in packages/torch/test/fixtures (tests run from dist/test). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
}

/** The repository's ../shared folder. */
export const SHARED = fileURLToPath(new URL("../../../../../shared", import.meta.url));

/** Elementwise |a - e| <= atol + rtol * |e| (numpy.allclose), with the worst element in the message. */
export function assertClose(actual: Tensor, expected: Tensor, { rtol = 1e-5, atol = 0 } = {}, what = "tensor"): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.toArray();
  const e = expected.toArray();
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  assert.ok(worst < 0, `${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
}
