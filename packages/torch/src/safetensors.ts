// The safetensors format (an 8-byte little-endian header length, a JSON header, raw little-endian
// tensor bytes), read and written here in TypeScript so weights move to and from PyTorch.
import { readFileSync } from "node:fs";
import { native } from "./native.js";
import { Tensor } from "./tensor.js";
import type { DType } from "./dtype.js";
import { writeFileAtomic } from "./atomic.js";

const TO_DTYPE: Record<string, DType> = {
  F64: "float64", F32: "float32", F16: "float16", BF16: "bfloat16", I64: "int64", I32: "int32", I16: "int16",
  I8: "int8", U8: "uint8", BOOL: "bool",
};
const FROM_DTYPE = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k])) as Record<DType, string>;
const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

// The reference implementation's limit on the JSON header (huggingface/safetensors, MAX_HEADER_SIZE).
const MAX_HEADER_BYTES = 100_000_000;

interface Entry {
  name: string;
  code: string;
  shape: number[];
  begin: number;
  end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The first key that appears twice in one object of `json` (text JSON.parse has accepted), with
 * the key of the object holding it; JSON.parse would silently keep the last value.
 */
function duplicateKey(json: string): { key: string; within: string | null } | null {
  // One frame per open object or array: the keys seen in an object, and the key that opened it.
  const frames: { keys: Set<string> | null; name: string | null; expectKey: boolean }[] = [];
  let lastKey: string | null = null;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      const frame = frames[frames.length - 1];
      if (frame?.keys && frame.expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (frame.keys.has(key)) return { key, within: frame.name };
        frame.keys.add(key);
        frame.expectKey = false;
        lastKey = key;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      const parent = frames[frames.length - 1];
      frames.push({ keys: c === "{" ? new Set() : null, name: parent?.keys ? lastKey : null, expectKey: true });
    } else if (c === "}" || c === "]") {
      frames.pop();
    } else if (c === ",") {
      const frame = frames[frames.length - 1];
      if (frame) frame.expectKey = true;
    }
  }
  return null;
}

/**
 * Parses safetensors bytes; `source` names the file in errors. Everything the format's
 * specification requires is checked before any tensor is made, and a file that breaks a rule is an
 * error naming the file and the tensor (or key): the header length within the file and at most
 * 100 MB, a UTF-8 JSON object starting with "{" and without duplicate keys, `__metadata__` mapping
 * strings to strings, each tensor a known dtype, a shape of non-negative integers and data_offsets
 * [begin, end] relative to the data after the header whose length is the shape's element count
 * times the dtype's size, and the tensors covering the data exactly: no overlaps, no unused bytes.
 */
export function parseSafetensors(bytes: Uint8Array, source = "safetensors data"): Safetensors {
  // Annotated, so that TypeScript narrows types after `if (...) fail(...)`.
  const fail: (msg: string) => never = (msg) => {
    throw new Error(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`too short for a safetensors header (${bytes.length} bytes; the header length alone takes 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(declared);
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes that follow it in the file`);
  }
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail(`header does not start with "{" (it must be a JSON object)`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail("header is not a JSON object");
  const duplicate = duplicateKey(text);
  if (duplicate) {
    const where = duplicate.within === null ? "" : ` in the entry of ${JSON.stringify(duplicate.within)}`;
    fail(`header has the key ${JSON.stringify(duplicate.key)} twice${where} (the format forbids duplicate keys)`);
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isObject(raw)) fail(`__metadata__ is ${JSON.stringify(raw)}, not an object of strings`);
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== "string") fail(`__metadata__ key ${JSON.stringify(key)} has the value ${JSON.stringify(value)}, not a string`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const tensor = `tensor ${JSON.stringify(name)}`;
    if (!isObject(raw)) fail(`${tensor} is ${JSON.stringify(raw)}, not an object with dtype, shape and data_offsets`);
    const { dtype: code, shape, data_offsets: offsets } = raw;
    if (typeof code !== "string" || !Object.hasOwn(TO_DTYPE, code)) {
      fail(`${tensor} has unsupported dtype ${JSON.stringify(code)} (supported: ${Object.keys(TO_DTYPE).join(", ")})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      fail(`${tensor} has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`${tensor} has data_offsets ${JSON.stringify(offsets)}, not a pair [begin, end] of non-negative integers`);
    }
    const [begin, end] = offsets;
    if (begin > end) fail(`${tensor} has data_offsets [${begin}, ${end}], which end before they begin`);
    if (end > dataLength) {
      fail(`${tensor} has data_offsets [${begin}, ${end}], past the end of the ${dataLength} data bytes after the header`);
    }
    const needed = shape.reduce((n, d) => n * BigInt(d), 1n) * BigInt(ELEMENT_BYTES[code]);
    if (needed !== BigInt(end - begin)) {
      fail(`${tensor}: shape [${shape.join(", ")}] of ${code} needs ${needed} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, code, shape, begin, end });
  }
  // The tensors must tile the data: sorted by offsets, each begins where the previous one ended.
  const tiles = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | null = null;
  for (const e of tiles) {
    const tensor = `tensor ${JSON.stringify(e.name)}`;
    if (e.begin < covered) {
      fail(`${tensor} has data_offsets [${e.begin}, ${e.end}], which overlap those of tensor ${JSON.stringify(previous!.name)} [${previous!.begin}, ${previous!.end}]`);
    }
    if (e.begin > covered) {
      fail(`${tensor} has data_offsets [${e.begin}, ${e.end}], which leave data bytes ${covered} to ${e.begin} unused (the tensors must cover the data without gaps)`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) {
    const after = previous === null ? "no tensor" : `tensor ${JSON.stringify(previous.name)} [${previous.begin}, ${previous.end}], the last one`;
    fail(`data bytes ${covered} to ${dataLength} follow ${after}, and belong to none (the tensors must cover the data without gaps)`);
  }

  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
      tensors.set(e.name, new Tensor(native.fromBuffer(data, TO_DTYPE[e.code], e.shape)));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Serialises tensors (in the order given) with optional string metadata. */
export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  // No prototype: a tensor named "__proto__" is a key like any other.
  const header = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== "string") throw new Error(`safetensors: metadata key ${JSON.stringify(key)} has a ${typeof value} value; the format holds only strings`);
  }
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new Error(`safetensors: a tensor cannot be named "__metadata__", the key of the metadata`);
    const code = FROM_DTYPE[t.dtype];
    if (!code) throw new Error(`safetensors: tensor "${name}" has dtype ${t.dtype}, which safetensors cannot hold`);
    const blob = new Uint8Array(native.toBuffer(t.live("serializeSafetensors")));
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export function loadSafetensors(path: string): Safetensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/** Writes atomically: a reader sees the old file or the complete new one, never a partial write. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
