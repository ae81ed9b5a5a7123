// withDefaultDevice: factory operators create on the given device (meta: shapes only), ops on tensors
// follow their inputs, the previous default comes back after the call, and a bad name is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";

test("factories create on the default device; an explicit device and tensor inputs win", () => {
  const cpu = torch.ones([2]);
  torch.withDefaultDevice("meta", () => {
    const made = [torch.empty([3, 4]), torch.zeros([2]), torch.randn([5])];
    assert.deepEqual(made.map((t) => t.device), ["meta", "meta", "meta"]);
    assert.deepEqual(made[0].shape, [3, 4]);
    assert.equal(torch.zeros([2], { device: "cpu" }).device, "cpu");
    assert.equal(cpu.add(1).device, "cpu");
    assert.equal(torch.zerosLike(cpu).device, "cpu");
    for (const t of made) t.dispose();
  });
  assert.equal(torch.tidy(() => torch.empty([1]).device), "cpu", "the default is restored");
  cpu.dispose();
});

test("a layer built on meta has shaped parameters without data; nesting restores the outer default", () => {
  const conv = torch.withDefaultDevice("meta", () => {
    assert.equal(torch.withDefaultDevice("cpu", () => torch.empty([1]).device), "cpu");
    assert.equal(torch.empty([1]).device, "meta", "the outer default is back after the inner call");
    return new nn.Conv2d(64, 128, 3);
  });
  assert.equal(conv.weight.device, "meta");
  assert.deepEqual(conv.weight.shape, [128, 64, 3, 3]);
  assert.equal(conv.numParameters(), 128 * 64 * 9 + 128);
  conv.dispose();
});

test("an unknown device is refused by name, and the default stays as it was", () => {
  assert.throws(() => torch.withDefaultDevice("gpu0", () => 1), /withDefaultDevice: expected a device .* got "gpu0"/);
  assert.equal(torch.tidy(() => torch.empty([1]).device), "cpu");
});
