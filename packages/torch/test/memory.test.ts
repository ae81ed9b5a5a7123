// Owned memory: dispose, tidy scopes, keep, the live-tensor counter and V8 external accounting.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { native } from "../src/native.js";

test("dispose frees at once and is idempotent", () => {
  const before = torch.liveTensors();
  const t = torch.ones([10]);
  assert.equal(torch.liveTensors(), before + 1);
  t.dispose();
  t.dispose();
  assert.equal(torch.liveTensors(), before);
  assert.equal(t.isDisposed, true);
});

test("native memory is reported to V8 and returned on dispose", () => {
  const before = torch.externalMemory();
  const big = torch.zeros([16, 1024, 1024]); // 64 MiB
  // other tests' garbage may be collected meanwhile: allow 1 MiB of drift
  const grew = torch.externalMemory() - before;
  assert.ok(Math.abs(grew - 64 * 2 ** 20) < 2 ** 20, `external memory grew by ${grew}`);
  big.dispose();
  assert.ok(Math.abs(torch.externalMemory() - before) < 2 ** 20);
});

test("a tidy() scope's tensors are not reported to V8 (the scope frees them) until one escapes to the GC", () => {
  const before = torch.externalMemory();
  const escaped = torch.tidy(() => {
    torch.zeros([16, 1024, 1024]); // 64 MiB, freed by the scope
    const inner = torch.tidy(() => torch.zeros([8, 1024, 1024])); // moves to the outer scope: still not reported
    assert.ok(Math.abs(torch.externalMemory() - before) < 2 ** 20, `external memory grew by ${torch.externalMemory() - before} inside the scope`);
    return inner;
  });
  const grew = torch.externalMemory() - before;
  assert.ok(Math.abs(grew - 32 * 2 ** 20) < 2 ** 20, `the escaped 32 MiB tensor is reported: external memory grew by ${grew}`);
  escaped.dispose();
  const kept = torch.tidy(() => torch.zeros([4, 1024, 1024]).keep());
  assert.ok(Math.abs(torch.externalMemory() - before - 16 * 2 ** 20) < 2 ** 20, "a kept tensor is reported");
  kept.dispose();
  assert.ok(Math.abs(torch.externalMemory() - before) < 2 ** 20);
});

test("tidy disposes everything made inside except the result", () => {
  const before = torch.liveTensors();
  const kept = torch.tidy(() => {
    const a = torch.ones([3]);
    const b = a.mul(2).add(1);
    return { b, list: [b.sub(1)] };
  });
  assert.equal(torch.liveTensors(), before + 2);
  assert.deepEqual(kept.b.toArray(), [3, 3, 3]);
  kept.b.dispose();
  kept.list[0].dispose();
  assert.equal(torch.liveTensors(), before);
});

test("nested tidy moves results to the outer scope; keep() escapes all scopes", () => {
  const before = torch.liveTensors();
  let kept: torch.Tensor | null = null;
  torch.tidy(() => {
    const inner = torch.tidy(() => torch.ones([1]).add(1));
    assert.equal(inner.isDisposed, false);
    kept = torch.ones([2]).keep();
    return undefined;
  });
  assert.equal(torch.liveTensors(), before + 1);
  kept!.dispose();
  assert.equal(torch.liveTensors(), before);
});

test("tidy disposes on throw and rejects async functions", () => {
  const before = torch.liveTensors();
  assert.throws(() => torch.tidy(() => { torch.ones([1]); throw new Error("boom"); }), /boom/);
  assert.equal(torch.liveTensors(), before);
  assert.throws(() => torch.tidy((async () => torch.ones([1])) as never), /must be synchronous/);
});

test("`using` disposes at the end of the block", () => {
  const before = torch.liveTensors();
  {
    using t = torch.ones([4]);
    assert.equal(t.numel(), 4);
  }
  assert.equal(torch.liveTensors(), before);
});

test("a loop of 5,000 ops inside tidy keeps the live count flat", () => {
  const before = torch.liveTensors();
  for (let i = 0; i < 5000; i++) torch.tidy(() => torch.randn([8, 8]).matmul(torch.randn([8, 8])).relu().sum().item());
  assert.equal(torch.liveTensors(), before);
});

test("the GC backstop frees tensors that were never disposed", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    // Run this check in a child with --expose-gc so it does not depend on how the runner was started.
    const { spawnSync } = await import("node:child_process");
    const code = `
      const torch = await import(${JSON.stringify(new URL("../src/index.js", import.meta.url).href)});
      const before = torch.liveTensors();
      for (let i = 0; i < 1000; i++) torch.ones([100]);
      for (let i = 0; i < 10 && torch.liveTensors() > before; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log(torch.liveTensors() - before);`;
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "0");
  }
});

test("a tensor handle names its tensor only while it lives: stale and made-up handles name none", () => {
  const t = torch.tensor([1, 2, 3]);
  const stale = t.handle!;
  assert.equal(typeof stale, "bigint");
  t.dispose();
  const reuser = torch.tensor([7]); // may take the freed slot, with a new generation
  assert.throws(() => native.shape(stale), /shape: expected a Tensor/);
  assert.throws(() => torch.callOp("aten::neg", "", stale), /argument 'self'.*expects a Tensor, got bigint/);
  const forged = [0n, 5n, (1n << 64n) | 1n, (1n << 64n) | (99n << 32n), -((1n << 64n) | 1n), 1n << 130n];
  for (const h of forged) assert.throws(() => native.shape(h as never), /shape: expected a Tensor/, String(h));
  native.freeBox(stale); // freeing a stale handle frees nothing else
  assert.deepEqual(reuser.shape, [1]);
  assert.equal(reuser.item(), 7);
  reuser.dispose();
});

test("bigint integers are still integers, in lists too", () => torch.tidy(() => {
  const x = torch.arange(6);
  assert.deepEqual(x.reshape([2n as unknown as number, 3]).shape, [2, 3]);
  assert.equal(x.add(5n as unknown as number).sum().item(), 45);
}));
