// safetensors: round trip of every dtype, files written by the PyTorch peer read exactly, files we
// write read back by PyTorch, atomic saves, and corrupt files rejected with the file named: each rule
// of the format's specification on its own, then 1,000 seeded mutations of a file checked against
// an independent strict reader.
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
  assert.throws(() => torch.loadSafetensors(path), new RegExp(`${path}: tensor "w" has data_offsets \\[0, 16\\], past the end of the 13 data bytes`));
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

// A file from header text (or an object, stringified) and data bytes.
function craft(header: string | object, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

test("each rule of the specification is enforced, with the file and the tensor or key named", () => {
  const live = torch.liveTensors();
  const data = f32([1, 2, 3, 4]);
  const one = (entry: object, extra: object = {}) => craft({ w: entry, ...extra }, data);
  const cases: [string, Uint8Array, RegExp][] = [
    ["negative offsets reading the header as data", one({ dtype: "F32", shape: [1], data_offsets: [-4, 0] }, { v: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }),
      /tensor "w" has data_offsets \[-4,0\], not a pair \[begin, end\] of non-negative integers/],
    ["two tensors on the same bytes", craft({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] }, b: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, data),
      /tensor "[ab]" has data_offsets \[0, 16\], which overlap those of tensor "[ab]" \[0, 16\]/],
    ["partly overlapping tensors", craft({ a: { dtype: "F32", shape: [3], data_offsets: [0, 12] }, b: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, data),
      /tensor "b" has data_offsets \[8, 16\], which overlap those of tensor "a" \[0, 12\]/],
    ["a gap between tensors", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, data),
      /tensor "b" has data_offsets \[8, 16\], which leave data bytes 4 to 8 unused/],
    ["a gap at the start", one({ dtype: "F32", shape: [3], data_offsets: [4, 16] }), /tensor "w" has data_offsets \[4, 16\], which leave data bytes 0 to 4 unused/],
    ["bytes after the last tensor", one({ dtype: "F32", shape: [3], data_offsets: [0, 12] }),
      /data bytes 12 to 16 follow tensor "w" \[0, 12\], the last one, and belong to none/],
    ["data but no tensor", craft({}, data), /data bytes 0 to 16 follow no tensor/],
    ["a byte length that does not match dtype × shape", one({ dtype: "F32", shape: [3], data_offsets: [0, 16] }),
      /tensor "w": shape \[3\] of F32 needs 12 bytes, data_offsets \[0, 16\] hold 16/],
    ["the same bytes read as a wider dtype", one({ dtype: "F64", shape: [4], data_offsets: [0, 16] }), /tensor "w": shape \[4\] of F64 needs 32 bytes/],
    ["a shape whose byte count overflows", one({ dtype: "F64", shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 16] }), /tensor "w": shape \[1099511627776, 1099511627776, 1099511627776\] of F64 needs 10633823966279326983230456482242756608 bytes/],
    ["offsets past the data", one({ dtype: "F32", shape: [5], data_offsets: [0, 20] }), /tensor "w" has data_offsets \[0, 20\], past the end of the 16 data bytes/],
    ["offsets that end before they begin", one({ dtype: "F32", shape: [0], data_offsets: [16, 0] }), /tensor "w" has data_offsets \[16, 0\], which end before they begin/],
    ["fractional offsets", one({ dtype: "F32", shape: [4], data_offsets: [0, 15.5] }), /tensor "w" has data_offsets \[0,15.5\], not a pair/],
    ["three offsets", one({ dtype: "F32", shape: [4], data_offsets: [0, 8, 16] }), /tensor "w" has data_offsets \[0,8,16\], not a pair/],
    ["string offsets", one({ dtype: "F32", shape: [4], data_offsets: ["0", "16"] }), /tensor "w" has data_offsets \["0","16"\], not a pair/],
    ["no offsets", one({ dtype: "F32", shape: [4] }), /tensor "w" has data_offsets undefined, not a pair/],
    ["offsets beyond 2^53", one({ dtype: "F32", shape: [4], data_offsets: [0, 2 ** 60] }), /tensor "w" has data_offsets \[0,1152921504606847000\], not a pair/],
    ["a negative dimension", one({ dtype: "F32", shape: [-4], data_offsets: [0, 16] }), /tensor "w" has shape \[-4\], not a list of non-negative integers/],
    ["a fractional dimension", one({ dtype: "F32", shape: [2.5], data_offsets: [0, 16] }), /tensor "w" has shape \[2.5\], not a list/],
    ["a string dimension", one({ dtype: "F32", shape: ["4"], data_offsets: [0, 16] }), /tensor "w" has shape \["4"\], not a list/],
    ["a shape that is not a list", one({ dtype: "F32", shape: 4, data_offsets: [0, 16] }), /tensor "w" has shape 4, not a list/],
    ["an unknown dtype", one({ dtype: "F8_E4M3", shape: [16], data_offsets: [0, 16] }), /tensor "w" has unsupported dtype "F8_E4M3" \(supported: F64, F32/],
    ["a lower-case dtype", one({ dtype: "f32", shape: [4], data_offsets: [0, 16] }), /tensor "w" has unsupported dtype "f32"/],
    ["a dtype named like an Object method", one({ dtype: "toString", shape: [4], data_offsets: [0, 16] }), /tensor "w" has unsupported dtype "toString"/],
    ["an entry that is not an object", craft({ w: [0, 16] }, data), /tensor "w" is \[0,16\], not an object with dtype, shape and data_offsets/],
    ["a non-string metadata value", one({ dtype: "F32", shape: [4], data_offsets: [0, 16] }, { __metadata__: { epoch: 3 } }),
      /__metadata__ key "epoch" has the value 3, not a string/],
    ["a nested metadata value", one({ dtype: "F32", shape: [4], data_offsets: [0, 16] }, { __metadata__: { a: { b: "c" } } }), /__metadata__ key "a" has the value \{"b":"c"\}, not a string/],
    ["metadata that is a list", one({ dtype: "F32", shape: [4], data_offsets: [0, 16] }, { __metadata__: ["pt"] }), /__metadata__ is \["pt"\], not an object of strings/],
    ["metadata that is null", one({ dtype: "F32", shape: [4], data_offsets: [0, 16] }, { __metadata__: null }), /__metadata__ is null, not an object of strings/],
    ["a tensor named twice", craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', data),
      /header has the key "w" twice \(the format forbids duplicate keys\)/],
    ["a field given twice", craft('{"w":{"dtype":"F64","shape":[4],"dtype":"F32","data_offsets":[0,16]}}', data), /header has the key "dtype" twice in the entry of "w"/],
    ["metadata given twice", craft('{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', data),
      /header has the key "__metadata__" twice/],
    ["a header that is a list", craft("[]"), /header does not start with "\{"/],
    ["a header after whitespace", craft(' {"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', data), /header does not start with "\{"/],
    ["a header after a byte order mark", craft('\ufeff{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', data), /header does not start with "\{"/],
    ["a header that is not JSON", craft("{w: 1}"), /header is not valid JSON/],
    ["a header that is not UTF-8", (() => { const b = craft('{"w":"xx"}'); b[15] = 0xff; return b; })(), /header is not valid UTF-8/],
    ["a header length past the file", (() => { const b = craft("{}"); new DataView(b.buffer).setBigUint64(0, 3n, true); return b; })(), /header length 3 exceeds the 2 bytes that follow it in the file/],
    ["a header length over 100 MB", (() => { const b = craft("{}"); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(),
      /header length 9223372036854775808 exceeds the format's limit of 100000000 bytes/],
    ["a file shorter than the header length", new Uint8Array(7), /too short for a safetensors header \(7 bytes/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(() => torch.parseSafetensors(bytes, "bad.safetensors"), (e: Error) => {
      assert.ok(e.message.startsWith("bad.safetensors: "), `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
  // The file is named when loading from disk.
  const path = join(tmp, "overlap.safetensors");
  writeFileSync(path, cases[1][1]);
  assert.throws(() => torch.loadSafetensors(path), new RegExp(`${path}: tensor "[ab]" has data_offsets \\[0, 16\\], which overlap`));
  assert.equal(torch.liveTensors(), live);
});

test("what the specification allows still reads: empty tensors anywhere on the tiling, scalars, padding, any entry order", () => {
  const live = torch.liveTensors();
  torch.tidy(() => allowed());
  assert.equal(torch.liveTensors(), live);
});

function allowed(): void {
  const data = f32([1, 2, 3, 4]);
  const header = '{"z0":{"dtype":"U8","shape":[0,3],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
    '"zmid":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"s":{"dtype":"I32","shape":[],"data_offsets":[4,8]},' +
    '"a":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]},"zend":{"dtype":"BOOL","shape":[0],"data_offsets":[16,16]},' +
    '"__metadata__":{"format":"pt","__proto__":"kept"},"extra":{"dtype":"I8","shape":[0],"data_offsets":[16,16],"ignored":true}}\t\n  ';
  const { tensors, metadata } = torch.parseSafetensors(craft(header, data));
  assert.deepEqual([...tensors.keys()], ["z0", "b", "zmid", "s", "a", "zend", "extra"]);
  assert.deepEqual(tensors.get("b")!.toArray(), [3, 4]);
  assert.deepEqual(tensors.get("s")!.shape, []);
  assert.deepEqual(tensors.get("s")!.toTypedArray(), new Int32Array(new Float32Array([2]).buffer));
  assert.deepEqual(tensors.get("a")!.toArray(), [0, 0, 128, 63]);
  assert.deepEqual(tensors.get("z0")!.shape, [0, 3]);
  assert.equal(metadata.format, "pt");
  assert.equal(Object.getOwnPropertyDescriptor(metadata, "__proto__")?.value, "kept");
  for (const t of tensors.values()) t.dispose();
  // An empty tensor inside another tensor's bytes is not on the tiling.
  assert.throws(() => torch.parseSafetensors(craft('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}', data), "x"),
    /x: tensor "z" has data_offsets \[4, 4\], which overlap those of tensor "a" \[0, 16\]/);
  // Writing refuses what could not be read back as written.
  assert.throws(() => torch.serializeSafetensors({ __metadata__: torch.ones([1]) }), /cannot be named "__metadata__"/);
  assert.throws(() => torch.serializeSafetensors({ w: torch.ones([1]) }, { epoch: 3 as unknown as string }), /metadata key "epoch" has a number value/);
  const odd = torch.serializeSafetensors(new Map([["__proto__", torch.ones([2])], ["constructor", torch.zeros([1])]]));
  assert.deepEqual([...torch.parseSafetensors(odd).tensors.keys()], ["__proto__", "constructor"]);
}
