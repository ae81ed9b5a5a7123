// Autograd through the dispatcher: backward, grad, grad modes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("backward accumulates into leaves; grad is the same object while unchanged", () => {
  const w = torch.tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  w.mul(w).sum().backward();
  const g = w.grad!;
  assert.deepEqual(g.toArray(), [2, 4, 6]);
  assert.equal(w.grad, g);
  w.mul(3).sum().backward();
  assert.deepEqual(w.grad!.toArray(), [5, 7, 9]);
  w.grad = null;
  assert.equal(w.grad, null);
  assert.equal(w.isLeaf, true);
  assert.equal(w.mul(2).gradFn, "MulBackward0");
});

test("torch.grad computes without touching .grad, with create_graph for second order", () => {
  const x = torch.tensor([2], { dtype: "float64", requiresGrad: true });
  const y = x.pow(3);
  const [dy] = torch.grad([y], [x], { createGraph: true });
  assert.deepEqual(dy!.toArray(), [12]);
  const [d2y] = torch.grad([dy!], [x]);
  assert.deepEqual(d2y!.toArray(), [12]);
  assert.equal(x.grad, null);
});

test("noGrad and inferenceMode stop recording; modes restore after throws", () => {
  const w = torch.ones([2]);
  w.requiresGrad = true;
  const y = torch.noGrad(() => w.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(torch.isGradEnabled(), true);
  assert.throws(() => torch.noGrad(() => { throw new Error("inside"); }), /inside/);
  assert.equal(torch.isGradEnabled(), true);
  const z = torch.inferenceMode(() => {
    assert.equal(torch.isInferenceMode(), true);
    return w.mul(2);
  });
  assert.equal(z.requiresGrad, false);
  assert.equal(torch.isInferenceMode(), false);
});

test("backward errors are JS errors", () => {
  const w = torch.ones([2]);
  assert.throws(() => w.sum().backward(), /backward: element 0 of tensors does not require grad/);
  const v = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
  assert.throws(() => v.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
});

test("threads and seeds", () => {
  const n = torch.getNumThreads();
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(n);
  assert.throws(() => torch.setNumThreads(0), /positive integer/);
  torch.manualSeed(42);
  const a = torch.randn([5]).toArray();
  torch.manualSeed(42);
  assert.deepEqual(torch.randn([5]).toArray(), a);
  const state = torch.getRngState();
  assert.equal(state.dtype, "uint8");
  const next = torch.rand([3]).toArray();
  torch.rand([7]);
  torch.setRngState(state);
  assert.deepEqual(torch.rand([3]).toArray(), next);
  assert.throws(() => torch.setRngState(torch.zeros([3], { dtype: "uint8" })), /setRngState: /);
});
