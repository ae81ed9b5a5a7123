// The generic entry point through the generated surface: overloads, defaults, keyword arguments,
// every return form, in-place results, and errors that name the operator and the argument.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("overloads are chosen by argument types", () => {
  const a = torch.tensor([1, 2, 3], { dtype: "float32" });
  assert.deepEqual(torch.add(a, a).toArray(), [2, 4, 6]);                  // add.Tensor
  assert.deepEqual(torch.add(a, 1.5).toArray(), [2.5, 3.5, 4.5]);           // number as wrapped tensor
  assert.deepEqual(a.sum().toArray(), [6]);                                 // sum()
  assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).sum([1]).toArray(), [3, 7]); // sum.dim_IntList
  assert.deepEqual(torch.ones([2, 3, 4]).sum([1, 2]).toArray(), [12, 12]);      // int[1] takes longer lists
  assert.deepEqual(torch.pow(a, 2).toArray(), [1, 4, 9]);                   // pow.Tensor_Scalar
  assert.deepEqual(torch.pow(2, a).toArray(), [2, 4, 8]);                   // pow.Scalar
});

test("numbers in arithmetic follow PyTorch's type promotion", () => {
  const ints = torch.tensor([1, 2, 3], { dtype: "int32" });
  assert.equal(ints.add(1).dtype, "int32");
  assert.equal(ints.add(0.5).dtype, "float32");
  assert.deepEqual(ints.add(0.5).toArray(), [1.5, 2.5, 3.5]);
  assert.equal(ints.div(2).dtype, "float32");
  const halves = torch.tensor([0.5], { dtype: "float64" });
  assert.equal(halves.mul(3).dtype, "float64");
  assert.equal(torch.tensor([true, false]).add(1).dtype, "int64");
});

test("defaults, keyword arguments and fixed-length int lists", () => {
  const x = torch.ones([1, 1, 5, 5]);
  const w = torch.ones([1, 1, 3, 3]);
  assert.deepEqual(torch.conv2d(x, w).shape, [1, 1, 3, 3]);
  assert.deepEqual(torch.conv2d(x, w, null, 1, 1).shape, [1, 1, 5, 5]);
  assert.deepEqual(torch.conv2d(x, w, { padding: [1, 1], stride: 2 }).shape, [1, 1, 3, 3]);
  const t = torch.tensor([0, 2]);
  const logits = torch.tensor([[1, 2, 3], [3, 2, 1]], { dtype: "float32" });
  const ignoring = torch.crossEntropyLoss(logits, t, { ignoreIndex: 2 }).item();
  const first = torch.crossEntropyLoss(logits.slice(0, 0, 1), t.slice(0, 0, 1)).item();
  assert.ok(Math.abs(ignoring - first) < 1e-6);
  assert.throws(() => torch.conv2d(x, w, { paddingg: 1 } as never), /no overload accepts.*paddingg/s);
});

test("tuples, lists, scalars and booleans come back as JS values", () => {
  const m = torch.tensor([[1, 5], [7, 2]]);
  const [values, indices] = torch.max(m, 1);
  assert.deepEqual(values.toArray(), [5, 7]);
  assert.deepEqual(indices.toArray(), [1, 0]);
  const parts = torch.split(torch.arange(5), 2);
  assert.deepEqual(parts.map((p) => p.toArray()), [[0, 1], [2, 3], [4]]);
  assert.equal(m.size(1), 2);
  assert.equal(m.isFloatingPoint(), false);
  assert.equal(torch.equal(m, m.clone()), true);
  assert.equal(m.numel(), 4);
});

test("in-place operators return the same Tensor object", () => {
  const a = torch.zeros([2]);
  const r = a.add_(3);
  assert.equal(r, a);
  assert.deepEqual(a.toArray(), [3, 3]);
  const out = torch.empty([2]);
  assert.equal(torch.mul(a, a, { out }), out);
  assert.deepEqual(out.toArray(), [9, 9]);
});

test("wrong argument types are reported before the call, naming op, overload and argument", () => {
  const a = torch.ones([2]);
  assert.throws(() => torch.add(a, "x" as never), /aten::add: no overload accepts \(Tensor\(float32\[2\]\), "x"\)/);
  assert.throws(() => torch.callOp("aten::add", "Tensor", a, "x"),
    /aten::add\.Tensor: argument 'other' \(position 2, Tensor\) expects a Tensor, got string "x"/);
  assert.throws(() => torch.callOp("aten::sum", "dim_IntList", a, [0.5]), /argument 'dim'.*expects an integer, got number 0.5/);
  assert.throws(() => torch.callOp("aten::nope", ""), /no operator aten::nope/);
});

test("libtorch errors name the operator and overload, without a C++ backtrace", () => {
  const a = torch.ones([2, 3]);
  assert.throws(() => torch.mm(a, a), (e: Error) => {
    assert.match(e.message, /^aten::mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)$/);
    assert.doesNotMatch(e.message, /Exception raised from|frame #/);
    return true;
  });
});

test("a disposed tensor passed to an operator is an error naming the argument", () => {
  const a = torch.ones([2]);
  const b = torch.ones([2]);
  b.dispose();
  assert.throws(() => torch.add(a, b), /aten::add\.Tensor: argument 'other' is a disposed Tensor/);
  assert.throws(() => b.shape, /disposed/);
});

test("views and indexing", () => {
  const x = torch.arange(24).reshape([2, 3, 4]);
  assert.deepEqual(x.permute([2, 0, 1]).shape, [4, 2, 3]);
  assert.deepEqual(x.select(0, 1).slice(0, 1, 3).shape, [2, 4]);
  assert.deepEqual(x.select(0, 1).select(0, 2).toArray(), [20, 21, 22, 23]);
  const idx = torch.tensor([2, 0]);
  assert.deepEqual(x.index([null, idx]).shape, [2, 2, 4]);
  assert.deepEqual(torch.indexSelect(x, 2, idx).select(0, 0).select(0, 0).toArray(), [2, 0]);
  assert.deepEqual(x.transpose(1, 2).contiguous().view([-1]).shape, [24]);
  assert.deepEqual(torch.cat([x, x], 1).shape, [2, 6, 4]);
  assert.deepEqual(torch.stack([x, x]).shape, [2, 2, 3, 4]);
  const masked = x.maskedFill(x.gt(20), -1);
  assert.deepEqual(masked.select(0, 1).select(0, 2).toArray(), [20, -1, -1, -1]);
});
