// Tensor creation, data export for every dtype, and the text form.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("tensor() infers dtype and shape like torch.tensor", () => {
  assert.equal(torch.tensor([1, 2]).dtype, "int64");
  assert.equal(torch.tensor([1.5, 2]).dtype, "float32");
  assert.equal(torch.tensor([true]).dtype, "bool");
  assert.deepEqual(torch.tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
  assert.deepEqual(torch.tensor(3).shape, []);
  assert.equal(torch.tensor(3.5).item(), 3.5);
  assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged data: data\[1\] has shape \[1\] but data\[0\] has \[2\]/);
  assert.throws(() => torch.tensor([1, 2], { shape: [3] }), /does not match/);
});

test("every dtype round-trips through its TypedArray", () => {
  const cases: [torch.DType, torch.TypedArray][] = [
    ["float32", new Float32Array([1.5, -2])], ["float64", new Float64Array([1e-300, 3])],
    ["int64", new BigInt64Array([-(2n ** 40n), 7n])], ["int32", new Int32Array([-5, 2 ** 30])],
    ["int16", new Int16Array([-300, 300])], ["int8", new Int8Array([-128, 127])], ["uint8", new Uint8Array([0, 255])],
  ];
  for (const [dtype, data] of cases) {
    const t = torch.tensor(data, { shape: [2, 1] });
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.shape, [2, 1]);
    assert.deepEqual(t.toTypedArray(), data, dtype);
  }
  const half = torch.tensor([0.5, 2], { dtype: "float16" });
  assert.equal(half.dtype, "float16");
  assert.deepEqual(half.toTypedArray(), new Uint16Array([0x3800, 0x4000]));
  assert.deepEqual(torch.tensor([1, 0, 3], { dtype: "bool" }).toArray(), [1, 0, 1]);
  const bf = torch.tensor([1.0], { dtype: "bfloat16" });
  assert.deepEqual(bf.toTypedArray(), new Uint16Array([0x3f80]));
  assert.throws(() => torch.tensor(new Float32Array(3), { shape: [2, 2] }), /needs 16 bytes, the data has 12/);
});

test("factories: zeros, ones, full, arange, linspace, eye, rand, randn, randint", () => {
  assert.deepEqual(torch.zeros([2, 2]).toArray(), [0, 0, 0, 0]);
  assert.deepEqual(torch.ones([2], { dtype: "int32" }).toTypedArray(), new Int32Array([1, 1]));
  assert.deepEqual(torch.full([2], 7).toArray(), [7, 7]);
  assert.deepEqual(torch.arange(1, 7, 2).toArray(), [1, 3, 5]);
  assert.deepEqual(torch.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(torch.eye(2).toArray(), [1, 0, 0, 1]);
  torch.manualSeed(0);
  const a = torch.rand([1000]);
  torch.manualSeed(0);
  assert.deepEqual(torch.rand([1000]).toArray(), a.toArray());
  assert.ok(a.min().item() >= 0 && a.max().item() < 1);
  const n = torch.randn([10000]);
  assert.ok(Math.abs(n.mean().item()) < 0.05 && Math.abs(n.std().item() - 1) < 0.05);
  const r = torch.randint(3, 6, [1000]);
  assert.equal(r.dtype, "int64");
  assert.ok(r.min().item() >= 3 && r.max().item() <= 5);
});

test("toString is readable and summarises large tensors", () => {
  assert.equal(String(torch.tensor([[1, 2], [3, 4]])), "tensor([[1, 2],\n        [3, 4]], shape=[2, 2], dtype=int64)");
  const big = String(torch.arange(5000, { dtype: "float32" }));
  assert.match(big, /^tensor\(\[0\.0000, 1\.0000, 2\.0000, \.\.\., 4997\.0000, 4998\.0000, 4999\.0000\], shape=\[5000\], dtype=float32\)$/);
  const disposed = torch.ones([1]);
  disposed.dispose();
  assert.equal(String(disposed), "tensor(<disposed>)");
});
