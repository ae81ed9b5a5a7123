// The model weights of a run's iter_N checkpoint, and their comparison, for the distributed tests.
import assert from "node:assert/strict";
import { join } from "node:path";
import { disposeCheckpoint, loadCheckpoint } from "../src/engine/checkpoint.js";

/** The model tensors of `workDir`'s iter_<iteration> checkpoint, as flat arrays by name. */
export function weights(workDir: string, iteration: number): Map<string, number[]> {
  const ck = loadCheckpoint(join(workDir, "checkpoints", `iter_${iteration}.safetensors`));
  const out = new Map([...ck.tensors.model].map(([k, t]) => [k, t.toArray() as number[]]));
  disposeCheckpoint(ck);
  return out;
}

/** Same names, and every tensor within 1e-5 of the largest magnitude of its expected values. */
export function assertSameWeights(actual: Map<string, number[]>, expected: Map<string, number[]>, what: string): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()], what);
  for (const [key, b] of expected) {
    const a = actual.get(key)!;
    const scale = Math.max(1e-12, ...b.map(Math.abs));
    const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(worst <= 1e-5 * scale, `${what}: ${key} differs by ${worst} (scale ${scale})`);
  }
}
