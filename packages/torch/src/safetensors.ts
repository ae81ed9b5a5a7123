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

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses safetensors bytes; `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source = "safetensors data"): Safetensors {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail("too short for a safetensors header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === "__metadata__") {
        metadata = raw as Record<string, string>;
        continue;
      }
      const entry = raw as HeaderEntry;
      const dtype = TO_DTYPE[entry?.dtype];
      if (!dtype) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(entry?.dtype)}`);
      const [begin, end] = entry.data_offsets ?? [];
      if (!Array.isArray(entry.shape) || !Number.isInteger(begin) || !Number.isInteger(end) || begin > end || end > dataLength) {
        fail(`tensor "${name}" has invalid shape or data_offsets`);
      }
      const count = entry.shape.reduce((a, b) => a * b, 1);
      if (count * ELEMENT_BYTES[entry.dtype] !== end - begin) {
        fail(`tensor "${name}": shape [${entry.shape}] of ${entry.dtype} needs ${count * ELEMENT_BYTES[entry.dtype]} bytes, offsets give ${end - begin}`);
      }
      tensors.set(name, new Tensor(native.fromBuffer(bytes.subarray(dataStart + begin, dataStart + end), dtype, entry.shape)));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/** Serialises tensors (in the order given) with optional string metadata. */
export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
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
