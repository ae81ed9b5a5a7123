// Loads checkpoints written by torch.save (zip format) into tensors, finding the state dict when it is
// nested as mmseg/mmengine ({"state_dict": ..., "meta": ...}) or others ({"model": ...}) write it.
import { readFileSync } from "node:fs";
import type { Tensor } from "../tensor.js";
import { findCheckpointGlobal, StorageType, type StorageRef, type TensorRef } from "./globals.js";
import { unpickle, type PickleHooks } from "./pickle.js";
import { looksLikeZip, openZip } from "./zip.js";
import { ELEMENT_BYTES, materializeTensor } from "./rebuild.js";

export interface PthCheckpoint {
  /** The state dict's tensors, by key. */
  tensors: Map<string, Tensor>;
  /** The whole unpickled object (tensors appear as unmaterialized references, other classes as placeholders). */
  root: unknown;
}

function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === "object" && value !== null && (value as TensorRef).kind === "tensor";
}

function persistentStorage(pid: unknown, source: string): StorageRef {
  const [tag, type, key, , numel] = Array.isArray(pid) ? pid : [];
  if (tag !== "storage" || !(type instanceof StorageType) || typeof key !== "string" || !Number.isInteger(numel)) {
    throw new Error(`${source}: persistent id ${JSON.stringify(pid)} is not a tensor storage`);
  }
  return { kind: "storage", key, dtype: type.dtype, numel: numel as number };
}

/** Finds the map of name → tensor in a checkpoint: the root itself or under state_dict/model/module. */
function findStateDict(root: unknown, source: string): Map<string, TensorRef> {
  if (!(root instanceof Map)) throw new Error(`${source}: the checkpoint is not a dict`);
  for (const nestedKey of ["state_dict", "model", "module"]) {
    if (root.get(nestedKey) instanceof Map) return findStateDict(root.get(nestedKey), `${source} [${nestedKey}]`);
  }
  const tensors = new Map<string, TensorRef>();
  for (const [key, value] of root) {
    if (typeof key !== "string") throw new Error(`${source}: state dict key ${String(key)} is not a string`);
    if (!isTensorRef(value)) throw new Error(`${source}: state dict entry "${key}" is not a tensor`);
    tensors.set(key, value);
  }
  return tensors;
}

// torch.save's legacy format starts with this number, pickled as LONG1.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function checkpointHooks(source: string): PickleHooks {
  return {
    findClass: (module, name) => {
      try {
        return findCheckpointGlobal(module, name);
      } catch (e) {
        throw new Error(`${source}: ${(e as Error).message}`);
      }
    },
    persistentLoad: (pid) => persistentStorage(pid, source),
  };
}

/**
 * The legacy (non-zip) format: pickles of the magic number, protocol version, system info, the object and
 * the storage keys, then each storage as an 8-byte element count and its raw bytes, in key order.
 */
function parseLegacy(bytes: Uint8Array, source: string): { root: unknown; storage: (key: string) => Uint8Array } {
  if (bytes[0] !== 0x80) throw new Error(`${source}: not a torch.save checkpoint (neither a zip archive nor a pickle)`);
  const hooks = checkpointHooks(source);
  const magic = unpickle(bytes, hooks, source);
  if (magic.value !== LEGACY_MAGIC) throw new Error(`${source}: not a torch.save checkpoint (neither a zip nor the legacy magic number)`);
  const version = unpickle(bytes, hooks, source, magic.end);
  if (version.value !== 1001) throw new Error(`${source}: legacy checkpoint protocol ${String(version.value)} is not supported`);
  const info = unpickle(bytes, hooks, source, version.end);
  const main = unpickle(bytes, hooks, source, info.end);
  const keys = unpickle(bytes, hooks, source, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === "string")) throw new Error(`${source}: legacy storage key list is damaged`);
  const storages = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  const dtypes = new Map<string, number>();
  collectStorageSizes(main.value, dtypes);
  for (const key of keys.value as string[]) {
    if (at + 8 > bytes.length) throw new Error(`${source}: legacy storage "${key}" is missing (truncated?)`);
    const count = Number(view.getBigUint64(at, true));
    const size = count * (dtypes.get(key) ?? 0);
    if (at + 8 + size > bytes.length) throw new Error(`${source}: legacy storage "${key}" extends past the end of the file (truncated?)`);
    storages.set(key, bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { root: main.value, storage: (key) => storages.get(key) ?? fail(`${source}: legacy storage "${key}" is missing`) };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Records each storage's element size by key, walking the unpickled object. */
function collectStorageSizes(value: unknown, sizes: Map<string, number>): void {
  if (isTensorRef(value)) sizes.set(value.storage.key, ELEMENT_BYTES[value.storage.dtype] ?? 0);
  else if (value instanceof Map) for (const v of value.values()) collectStorageSizes(v, sizes);
  else if (Array.isArray(value)) for (const v of value) collectStorageSizes(v, sizes);
}

function parseZip(bytes: Uint8Array, source: string): { root: unknown; storage: (key: string) => Uint8Array } {
  const zip = openZip(bytes, source);
  const pickleName = zip.names.find((n) => n.endsWith("/data.pkl")) ?? "";
  if (!pickleName) throw new Error(`${source}: no */data.pkl entry; not a torch.save checkpoint`);
  const prefix = pickleName.slice(0, -"data.pkl".length);
  const { value: root } = unpickle(zip.read(pickleName), checkpointHooks(source), `${source} ${pickleName}`);
  return { root, storage: (key) => zip.read(`${prefix}data/${key}`) };
}

/** Parses checkpoint bytes (zip or legacy format); `source` names the file in errors. */
export function parsePth(bytes: Uint8Array, source = "pth data"): PthCheckpoint {
  const { root, storage } = looksLikeZip(bytes) ? parseZip(bytes, source) : parseLegacy(bytes, source);
  const refs = findStateDict(root, source);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [key, ref] of refs) {
      tensors.set(key, materializeTensor(ref, storage(ref.storage.key), `${source} key "${key}"`));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, root };
}

/** Reads a .pth/.pt checkpoint file written by torch.save. */
export function loadPth(path: string): PthCheckpoint {
  return parsePth(readFileSync(path), path);
}
