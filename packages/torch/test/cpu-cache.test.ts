// The addon's CPU allocator keeps freed large buffers for reuse (cpu_cache.cc): reuse without page
// faults, correct contents, the limit, giving memory back, and bad limits refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const MIB = 2 ** 20;
const faults = (): number => process.resourceUsage().minorPageFault;

test("a freed 32 MiB buffer is reused for the next tensor of that size, without touching fresh pages", () => {
  torch.setCpuCacheLimit(2 ** 30);
  torch.emptyCpuCache();
  torch.ones([8, MIB]).dispose(); // 32 MiB: allocated from the system, then cached
  const cached = torch.cpuCacheStats();
  assert.ok(cached.cachedBytes >= 32 * MIB, `cached ${cached.cachedBytes} bytes`);
  const before = faults();
  const again = torch.full([8, MIB], 0.5);
  const faulted = faults() - before;
  const after = torch.cpuCacheStats();
  assert.equal(after.hits, cached.hits + 1);
  assert.equal(after.cachedBytes, cached.cachedBytes - 32 * MIB);
  // 8,192 faults if the pages were fresh; a few for the small tensors around it.
  assert.ok(faulted < 200, `${faulted} page faults while filling a reused 32 MiB buffer`);
  assert.equal(again.sum().item(), 0.5 * 8 * MIB);
  again.dispose();
});

test("a request reuses a cached buffer at most 1/8 larger, never a smaller one", () => {
  torch.emptyCpuCache();
  torch.zeros([4, MIB]).dispose(); // 16 MiB cached
  const { hits } = torch.cpuCacheStats();
  const larger = torch.zeros([5, MIB]); // 20 MiB: cannot use the 16 MiB buffer
  assert.equal(torch.cpuCacheStats().hits, hits);
  larger.dispose();
  const wasteful = torch.zeros([2, MIB]); // 8 MiB: the cached 16 and 20 MiB buffers are too large
  assert.equal(torch.cpuCacheStats().hits, hits);
  wasteful.dispose();
  const close = torch.zeros([4 * MIB - 1000]); // fits the 16 MiB buffer
  assert.equal(torch.cpuCacheStats().hits, hits + 1);
  assert.equal(close.sum().item(), 0);
  close.dispose();
  torch.emptyCpuCache();
});

test("the limit bounds the cache, 0 turns it off, and emptyCpuCache gives everything back", () => {
  try {
    torch.emptyCpuCache();
    torch.setCpuCacheLimit(20 * MIB);
    torch.zeros([4, MIB]).dispose(); // 16 MiB: kept
    torch.zeros([3, MIB]).dispose(); // 12 MiB more would pass the limit: freed
    assert.equal(torch.cpuCacheStats().cachedBytes, 16 * MIB);
    assert.equal(torch.cpuCacheStats().limitBytes, 20 * MIB);
    torch.setCpuCacheLimit(0);
    assert.equal(torch.cpuCacheStats().cachedBytes, 0);
    torch.zeros([4, MIB]).dispose();
    assert.equal(torch.cpuCacheStats().cachedBytes, 0);
    torch.setCpuCacheLimit(2 ** 30);
    torch.zeros([4, MIB]).dispose();
    assert.ok(torch.cpuCacheStats().cachedBytes > 0);
    torch.emptyCpuCache();
    assert.equal(torch.cpuCacheStats().cachedBytes, 0);
  } finally {
    torch.setCpuCacheLimit(2 ** 30);
  }
});

test("a freed buffer under 1 MiB (above glibc's 128 KiB mmap threshold) is reused too", () => {
  torch.emptyCpuCache();
  torch.ones([56, 4096]).dispose(); // 0.9 MB: attention weights of SAM's decoder
  const { hits } = torch.cpuCacheStats();
  const again = torch.full([56, 4096], 0.5);
  assert.equal(torch.cpuCacheStats().hits, hits + 1);
  assert.equal(again.sum().item(), 0.5 * 56 * 4096);
  again.dispose();
  torch.emptyCpuCache();
});

test("small tensors bypass the cache", () => {
  const before = torch.cpuCacheStats();
  torch.tidy(() => { for (let i = 0; i < 100; i++) torch.ones([1000]); });
  const after = torch.cpuCacheStats();
  assert.equal(after.hits + after.misses, before.hits + before.misses);
});

test("a bad limit is refused, naming the function", () => {
  assert.throws(() => torch.setCpuCacheLimit(-1), /setCpuCacheLimit: bytes must be a non-negative number/);
  assert.throws(() => torch.setCpuCacheLimit(Number.NaN), /setCpuCacheLimit/);
  assert.throws(() => torch.setCpuCacheLimit("1" as unknown as number), /setCpuCacheLimit: expected a number of bytes/);
});
