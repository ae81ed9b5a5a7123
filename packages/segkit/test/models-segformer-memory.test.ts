// SegFormer-B0 infers a whole 1024×2048 (Cityscapes-sized) image under 4 GB of peak memory. Stage 1
// attends 256×512 = 131,072 queries to 2,048 reduced keys: the full weight matrix alone would be
// 1 GiB of float32 per head, so attention runs over query slices (blocks/chunked-attention.ts).
// Measured in a child process (its peak resident set), so nothing else in the suite counts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("segformer_b0 infers a whole 1024x2048 image under 4 GB peak memory", (t) => {
  const script = fileURLToPath(new URL("./fixtures/segformer_whole_image.js", import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "2" } });
  const { shape, finite, maxRssBytes } = JSON.parse(out.trim().split("\n").pop()!) as { shape: number[]; finite: boolean; maxRssBytes: number };
  assert.deepEqual(shape, [1, 19, 1024, 2048]);
  assert.equal(finite, true);
  assert.ok(maxRssBytes < 4 * 1024 ** 3, `peak resident memory ${(maxRssBytes / 1024 ** 3).toFixed(2)} GiB`);
  t.diagnostic(`peak resident memory ${(maxRssBytes / 1024 ** 3).toFixed(2)} GiB`);
});
