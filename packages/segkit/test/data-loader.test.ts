// The loader: batch shapes and dtypes, drop-last, seeded shuffling and augmentation (same seed →
// same batches, with or without workers), bounded prefetching, no leaked tensors, clean exit.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as torch from "@segkit/torch";
import { DataLoader, type LoaderOptions } from "../src/data/loader/data-loader.js";
import { build } from "../src/config/registry.js";
import { buildPipeline } from "../src/data/transforms/pipeline.js";
import { Rng } from "../src/data/rng.js";
import type { Dataset } from "../src/data/types.js";

const run = promisify(execFile);
const dataset = { type: "synthetic", length: 10, size: [24, 32], seed: 1 };
const pipeline = [
  { type: "Resize", scale: [32, 24], ratioRange: [0.5, 2] },
  { type: "RandomCrop", size: [20, 28] },
  { type: "RandomFlip" },
  { type: "PhotoMetricDistortion" },
  { type: "Normalize" },
];

/** Every batch of one epoch as plain arrays (tensors disposed). */
async function collect(options: Omit<LoaderOptions, "dataset">, epoch = 0): Promise<{ images: number[]; labels: number[]; files: string[] }[]> {
  const loader = new DataLoader({ dataset, pipeline, ...options });
  const out = [];
  try {
    for await (const b of loader.epoch(epoch)) {
      assert.ok(loader.inFlight <= (options.prefetch ?? Math.max(2 * (options.workers ?? 0), 1)));
      out.push({ images: [...(b.images.toTypedArray() as Float32Array)], labels: [...(b.labels.toTypedArray() as BigInt64Array)].map(Number), files: b.meta.map((m) => m.file) });
      b.images.dispose();
      b.labels.dispose();
    }
  } finally {
    await loader.close();
  }
  return out;
}

test("batches are N×3×H×W float32 and N×H×W int64; the last one is short unless dropLast", async () => {
  const loader = new DataLoader({ dataset, pipeline, batchSize: 4 });
  assert.equal(loader.length, 3);
  const before = torch.liveTensors();
  const shapes: number[][] = [];
  for await (const b of loader.epoch()) {
    shapes.push(b.images.shape, b.labels.shape);
    assert.equal(b.images.dtype, "float32");
    assert.equal(b.labels.dtype, "int64");
    b.images.dispose();
    b.labels.dispose();
  }
  assert.deepEqual(shapes, [[4, 3, 20, 28], [4, 20, 28], [4, 3, 20, 28], [4, 20, 28], [2, 3, 20, 28], [2, 20, 28]]);
  assert.equal(torch.liveTensors(), before, "the loader keeps no tensors");
  const dropping = new DataLoader({ dataset, pipeline, batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.deepEqual(dropping.plan(0).map((b) => b.length), [4, 4]);
});

test("a trailing Normalize applied while stacking gives exactly the pipeline's own output, for byte and float pixels", async () => {
  const data = build<Dataset>("dataset", dataset);
  for (const steps of [pipeline, [...pipeline, { type: "Normalize", mean: [1, 2, 3], std: [2, 3, 4] }]]) {
    const transform = buildPipeline(steps, data.ignoreIndex);
    const [batch] = await collect({ pipeline: steps, batchSize: 2, seed: 5 });
    const expected: number[] = [];
    for (const index of [0, 1]) {
      const s = transform(await data.raw(index), new Rng(5, 0, index));
      for (let c = 0; c < 3; c++) for (let p = 0; p < s.width * s.height; p++) expected.push(s.pixels[3 * p + c]);
    }
    assert.deepEqual(batch.images, expected);
  }
});

test("shuffle visits every sample once per epoch, in a seeded order that changes by epoch", () => {
  const loader = new DataLoader({ dataset, batchSize: 3, shuffle: true, seed: 9 });
  const e0 = loader.plan(0).flat();
  assert.deepEqual([...e0].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(new DataLoader({ dataset, batchSize: 3, shuffle: true, seed: 9 }).plan(0).flat(), e0);
  assert.notDeepEqual(loader.plan(1).flat(), e0);
  assert.notDeepEqual(new DataLoader({ dataset, batchSize: 3, shuffle: true, seed: 10 }).plan(0).flat(), e0);
  assert.deepEqual(new DataLoader({ dataset, batchSize: 3 }).plan(0).flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("same seed → same batches, whether on the calling thread or in 1 or 2 workers; another seed differs", async () => {
  const options = { batchSize: 3, shuffle: true, seed: 4 };
  const inline = await collect(options);
  assert.deepEqual(await collect({ ...options, workers: 2 }), inline);
  assert.deepEqual(await collect({ ...options, workers: 1, prefetch: 1 }), inline);
  const other = await collect({ ...options, seed: 5 });
  assert.notDeepEqual(other, inline);
});

test("sample errors in a worker reach the caller and name the file", async () => {
  const loader = new DataLoader({ dataset: { type: "synthetic", length: 2 }, pipeline: [{ type: "MirrorPad", margin: 500 }], workers: 2 });
  await assert.rejects(async () => {
    for await (const b of loader.epoch()) b.images.dispose();
  }, /MirrorPad: margin 500 must be smaller than the image \(128×128\)/);
  await loader.close();
});

test("a bad configuration fails on the calling thread before any worker starts", () => {
  assert.throws(() => new DataLoader({ dataset: { type: "binary", root: "/nonexistent" }, workers: 2 }), /folder \/nonexistent\/images does not exist/);
  assert.throws(() => new DataLoader({ dataset, pipeline: [{ type: "RandomCrop" }], workers: 2 }), /pipeline\[0\]: .*"size" must be a pair/);
});

test("samples of different sizes cannot be batched without a crop, and the message says so", async () => {
  const loader = new DataLoader({ dataset, pipeline: [{ type: "Resize", scale: [32, 24], ratioRange: [0.5, 2] }], batchSize: 2, workers: 1 });
  await assert.rejects(async () => {
    for await (const b of loader.epoch()) b.images.dispose();
  }, /cannot batch synthetic-1-0 \(\d+×\d+\) with synthetic-1-1 .*add a RandomCrop/);
  await loader.close();
});

test("a process that iterates with workers and never calls close() still exits", async () => {
  const loaderModule = fileURLToPath(new URL("../src/data/loader/data-loader.js", import.meta.url));
  const script = `
    const { DataLoader } = await import(${JSON.stringify(loaderModule)});
    const loader = new DataLoader({ dataset: ${JSON.stringify(dataset)}, batchSize: 2, workers: 2, prefetch: 4 });
    let n = 0;
    for await (const b of loader.epoch()) { n++; if (n === 2) break; }
    console.log("got", n);`;
  const file = join(mkdtempSync(join(tmpdir(), "segkit-loader-exit-")), "exit.mjs");
  writeFileSync(file, script);
  const started = Date.now();
  const { stdout } = await run(process.execPath, [file], { timeout: 30_000 });
  rmSync(dirname(file), { recursive: true, force: true });
  assert.equal(stdout.trim(), "got 2");
  assert.ok(Date.now() - started < 30_000);
});
