// safetensors: round trip of every dtype, files written by the PyTorch peer read exactly, files we
// write read back by PyTorch, atomic saves, and corrupt files rejected with the file named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { SHARED, fixture } from "./helpers.js";

const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "segkit-st-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

test("every dtype round-trips, with metadata", () => {
  const tensors: Record<string, torch.Tensor> = {};
  for (const dtype of ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"] as const) {
    tensors[dtype] = torch.tensor([[0, 1, 2], [3, 4, 5]], { dtype: dtype === "bool" ? "bool" : dtype });
  }
  tensors.empty = torch.zeros([0, 3]);
  tensors.scalar = torch.tensor(2.5, { dtype: "float64" });
  const bytes = torch.serializeSafetensors(tensors, { format: "pt" });
  const back = torch.parseSafetensors(bytes);
  assert.deepEqual(back.metadata, { format: "pt" });
  for (const [name, t] of Object.entries(tensors)) {
    const u = back.tensors.get(name)!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.deepEqual(u.toTypedArray(), t.toTypedArray(), name);
  }
});

test("a state dict exported by the PyTorch peer reads exactly, and PyTorch reads ours back", () => {
  const exported = join(tmp, "lraspp.safetensors");
  execFileSync(PYTHON, [join(SHARED, "peers/pytorch_peer.py"), "export", "--model", "lraspp_mobilenet_v3_large",
    "--classes", "5", "--size", "32", "32", "--out", exported], { stdio: "pipe" });
  const summary = JSON.parse(execFileSync(PYTHON, [fixture("safetensors_check.py"), "summary", exported], { encoding: "utf8" }));
  const ours = torch.loadSafetensors(exported).tensors;
  assert.deepEqual([...ours.keys()].sort(), Object.keys(summary.tensors).sort());
  for (const [name, expected] of Object.entries(summary.tensors) as [string, { dtype: string; shape: number[]; sum: number }][]) {
    const t = ours.get(name)!;
    assert.equal(t.dtype, expected.dtype, name);
    assert.deepEqual(t.shape, expected.shape, name);
    const sum = t.to("float64").sum().item();
    assert.ok(Math.abs(sum - expected.sum) <= 1e-9 * Math.max(1, Math.abs(expected.sum)), `${name}: ${sum} vs ${expected.sum}`);
  }
  const rewritten = join(tmp, "rewritten.safetensors");
  torch.saveSafetensors(rewritten, ours);
  const same = execFileSync(PYTHON, [fixture("safetensors_check.py"), "same", exported, rewritten], { encoding: "utf8" });
  assert.match(same, new RegExp(`^same ${ours.size}`));
});

test("saves are atomic: no temporary file is left, a failed save keeps the old file", () => {
  const path = join(tmp, "atomic.safetensors");
  torch.saveSafetensors(path, { a: torch.ones([2]) });
  const before = readFileSync(path);
  assert.throws(() => torch.saveSafetensors(path, { bad: torch.ones([1], { dtype: "complex64" }) }), /cannot hold/);
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes(".tmp")), []);
  assert.throws(() => torch.saveSafetensors(join(tmp, "no-such-dir", "x.safetensors"), { a: torch.ones([1]) }), /ENOENT/);
});

test("corrupt or missing files are errors naming the file", () => {
  const path = join(tmp, "corrupt.safetensors");
  const good = torch.serializeSafetensors({ w: torch.ones([4]) });
  writeFileSync(path, good.subarray(0, good.length - 3));
  assert.throws(() => torch.loadSafetensors(path), new RegExp(`${path}: tensor "w" has invalid shape or data_offsets`));
  writeFileSync(path, Buffer.from([1, 2, 3]));
  assert.throws(() => torch.loadSafetensors(path), /too short/);
  const badJson = Buffer.alloc(16);
  badJson.writeBigUInt64LE(8n, 0);
  badJson.write("{{{{{{{{", 8);
  writeFileSync(path, badJson);
  assert.throws(() => torch.loadSafetensors(path), /header is not valid JSON/);
  assert.throws(() => torch.loadSafetensors(join(tmp, "missing.safetensors")), /missing\.safetensors: cannot read \(ENOENT\)/);
  assert.equal(existsSync(join(tmp, "missing.safetensors")), false);
});
