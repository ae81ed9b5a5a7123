// The shards shardIndices gives equal torch.utils.data.distributed.DistributedSampler's (recorded
// from PyTorch 1.13 by fixtures/distributed_make_shards.py): the same permutation per seed and
// epoch, padding ("pad", drop_last=False) and cutting ("drop", drop_last=True). "keep" has no
// PyTorch counterpart: it is checked for covering every index exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as torch from "../src/index.js";
import { fixture } from "./helpers.js";

const { shardIndices } = torch.distributed;

interface Case { length: number; worldSize: number; rank: number; shuffle: boolean; seed: number; epoch: number; dropLast: boolean; indices: number[] }

test("shards equal PyTorch's DistributedSampler for every recorded case", () => {
  const { cases } = JSON.parse(readFileSync(fixture("distributed_shards.json"), "utf8")) as { cases: Case[] };
  assert.ok(cases.length > 300);
  for (const c of cases) {
    const got = shardIndices(c.length, { ...c, remainder: c.dropLast ? "drop" : "pad" });
    assert.deepEqual(got, c.indices, JSON.stringify({ ...c, indices: undefined }));
  }
});

test("the shuffle leaves the default generator's state as it was", () => {
  const draw = () => torch.tidy(() => torch.rand([3]).toArray());
  torch.manualSeed(7);
  const expected = draw();
  torch.manualSeed(7);
  shardIndices(10, { rank: 0, worldSize: 2, seed: 1, epoch: 2 });
  assert.deepEqual(draw(), expected);
});

test("evaluation shards (keep) cover every index exactly once, sizes within one", () => {
  for (const [length, worldSize] of [[10, 3], [2, 5], [12, 4]]) {
    const shards = Array.from({ length: worldSize }, (_, rank) => shardIndices(length, { rank, worldSize, seed: 3, remainder: "keep" }));
    assert.deepEqual(shards.flat().sort((a, b) => a - b), Array.from({ length }, (_, i) => i));
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  }
});

test("bad arguments are named", () => {
  assert.throws(() => shardIndices(10, { rank: 2, worldSize: 2 }), /shardIndices: rank must be in \[0, 2\), got 2/);
  assert.throws(() => shardIndices(-1, { rank: 0, worldSize: 2 }), /shardIndices: length must be a non-negative integer, got -1/);
  assert.throws(() => shardIndices(4, { rank: 0, worldSize: 0 }), /shardIndices: worldSize must be a positive integer, got 0/);
});
