// .pth reading: checkpoints written by Debian's torch.save (fixtures/pth/make_pth_fixtures.py) read equal to
// what torch.load returns (every dtype, views of one storage, nested mmengine-style checkpoints with numpy and
// custom-class metadata); malicious pickles run nothing and name the refused global; damaged files fail clearly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The pth modules and the tensor basics directly, not the package index (which pulls in the ONNX exporter).
import { tensor } from "../src/creation.js";
import { to } from "../src/generated/ops.js";
import type { Tensor } from "../src/tensor.js";
import { loadPth, parsePth, type PthCheckpoint } from "../src/pth/load.js";
import { savePth, serializePth } from "../src/pth/writer.js";
import { Placeholder } from "../src/pth/globals.js";
import { execFileSync } from "node:child_process";
import { fixture } from "./helpers.js";
import { buildZip } from "../src/pth/zip-writer.js";
import { openZip } from "../src/pth/zip.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-pth-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

interface Expected { dtype: string; shape: number[]; values: (number | boolean)[] }

function assertMatchesTorch(name: string, stateKey?: string): PthCheckpoint {
  const loaded = loadPth(fixture(`pth/${name}`));
  const expected = JSON.parse(readFileSync(fixture(`pth/${name}.json`), "utf8")) as Record<string, Expected>;
  assert.deepEqual([...loaded.tensors.keys()], Object.keys(expected), `${name}${stateKey ? ` [${stateKey}]` : ""} keys`);
  for (const [key, want] of Object.entries(expected)) {
    const t = loaded.tensors.get(key)!;
    assert.equal(t.dtype, want.dtype, key);
    assert.deepEqual(t.shape, want.shape, key);
    const values = t.dtype === "float16" || t.dtype === "bfloat16" ? to(t, "cpu", "float64").toTypedArray() : t.toTypedArray();
    assert.deepEqual(Array.from(values as ArrayLike<number | bigint>, Number), want.values.map(Number), key);
  }
  return loaded;
}

test("a plain state dict of every dtype, with views, offsets and strides of one storage, reads as torch.load does", () => {
  assertMatchesTorch("plain.pth");
});

test("mmengine-style checkpoint: state_dict found under its key; numpy and HistoryBuffer metadata become inert placeholders", () => {
  const { root } = assertMatchesTorch("mmengine.pth", "state_dict");
  const hub = (root as Map<string, Map<string, Map<string, unknown>>>).get("message_hub")!;
  const buffer = hub.get("log_scalars")!.get("train/loss");
  assert.ok(buffer instanceof Placeholder);
  assert.equal(buffer.qualifiedName, "mmengine.logging.history_buffer.HistoryBuffer");
  const meta = (root as Map<string, Map<string, unknown>>).get("meta")!;
  assert.equal(meta.get("iter"), 1200);
});

test("the legacy (non-zip) format, plain and mmengine-style, reads as torch.load does", () => {
  assertMatchesTorch("legacy.pth");
  assertMatchesTorch("legacy_mmengine.pth", "state_dict");
});

test("a state dict nested under 'model' is found", () => {
  assertMatchesTorch("nested_model.pth", "model");
});

/** A zip checkpoint around a hand-written data.pkl, stored as torch.save stores entries. */
function checkpointWith(pickle: Uint8Array): Uint8Array {
  return buildZip([["archive/data.pkl", pickle], ["archive/version", new TextEncoder().encode("3\n")]]);
}

test("a pickle whose REDUCE would call os.system / builtins.eval is refused by name, and nothing runs", () => {
  const marker = join(tmp, "pwned");
  for (const [module, name] of [["posix", "system"], ["os", "system"], ["builtins", "eval"], ["subprocess", "check_call"]]) {
    const text = `\x80\x02c${module}\n${name}\nX${String.fromCharCode(("touch " + marker).length)}\0\0\0touch ${marker}\x85R.`;
    const pickle = Uint8Array.from(text, (c) => c.charCodeAt(0));
    assert.throws(() => parsePth(checkpointWith(pickle), "evil.pth"), new RegExp(`evil\\.pth: refused global ${module}\\.${name}`));
    assert.equal(existsSync(marker), false);
  }
});

test("damaged checkpoints fail with the file (and key) named: truncated, wrong magic, missing data file, storage too small", () => {
  const good = readFileSync(fixture("pth/plain.pth"));
  assert.throws(() => parsePth(good.subarray(0, good.length - 100), "cut.pth"), /cut\.pth: not a complete zip archive/);
  assert.throws(() => parsePth(new TextEncoder().encode("hello world"), "text.pth"), /text\.pth: not a torch\.save checkpoint \(neither a zip archive nor a pickle\)/);
  const weight = tensor([1, 2, 3, 4]);
  const written = serializePth({ w: weight });
  const withoutData = buildZip([["archive/data.pkl", unzipEntry(written, "archive/data.pkl")]]);
  assert.throws(() => parsePth(withoutData, "nodata.pth"), /nodata\.pth: zip entry "archive\/data\/0" is missing/);
  const short = buildZip([["archive/data.pkl", unzipEntry(written, "archive/data.pkl")], ["archive/data/0", new Uint8Array(8)]]);
  assert.throws(() => parsePth(short, "short.pth"), /short\.pth key "w": storage "0" holds 1 elements, but shape \[4\]/);
  weight.dispose();
});

function unzipEntry(zip: Uint8Array, name: string): Uint8Array {
  return openZip(zip, "test").read(name);
}

test("fuzz: 300 random byte flips and truncations of a real checkpoint either load or throw an Error naming the file", () => {
  const good = readFileSync(fixture("pth/mmengine.pth"));
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    const bytes = Uint8Array.from(good);
    for (let k = 0; k < 4; k++) bytes[random(bytes.length)] = random(256);
    const input = i % 3 === 0 ? bytes.subarray(0, random(bytes.length)) : bytes;
    try {
      const { tensors } = parsePth(input, "fuzzed.pth");
      for (const t of tensors.values()) t.dispose();
    } catch (e) {
      assert.ok(e instanceof Error && e.message.startsWith("fuzzed.pth"), String(e));
    }
  }
});

test("what segkit writes, PyTorch's torch.load(weights_only=True) reads back equal (every dtype)", () => {
  const tensors: Record<string, Tensor> = {};
  for (const dtype of ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"] as const) {
    tensors[dtype] = tensor([[0, 1, 2], [3, 4, 5]], { dtype });
  }
  tensors.big = tensor([2 ** 40, -(2 ** 40)], { dtype: "int64" });
  tensors.scalar = tensor(2.5);
  const path = join(tmp, "written.pth");
  savePth(path, tensors);
  const script = [
    "import json, sys, torch",
    "sd = torch.load(sys.argv[1], weights_only=True)",
    "print(json.dumps({k: [str(v.dtype), list(v.shape), v.float().flatten().tolist()] for k, v in sd.items()}))",
  ].join("\n");
  const back = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, path], { encoding: "utf8" })) as Record<string, [string, number[], number[]]>;
  assert.deepEqual(Object.keys(back), Object.keys(tensors));
  for (const [key, t] of Object.entries(tensors)) {
    assert.equal(back[key][0], `torch.${t.dtype}`, key);
    assert.deepEqual(back[key][1], t.shape, key);
    const mine = Array.from(to(t, "cpu", "float64").toTypedArray() as Float64Array);
    assert.deepEqual(back[key][2], mine, key);
  }
  const reread = loadPth(path);
  assert.deepEqual([...reread.tensors.keys()], Object.keys(tensors));
});
