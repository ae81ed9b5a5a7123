// Loads checkpoints written by torch.save (zip format) into tensors, finding the state dict when it is
// nested as mmseg/mmengine ({"state_dict": ..., "meta": ...}) or others ({"model": ...}) write it.
import { readFileSync } from "node:fs";
import type { Tensor } from "../tensor.js";
import { findCheckpointGlobal, StorageType, type StorageRef, type TensorRef } from "./globals.js";
import { unpickle } from "./pickle.js";
import { looksLikeZip, openZip } from "./zip.js";
import { materializeTensor } from "./rebuild.js";

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

/** Parses checkpoint bytes; `source` names the file in errors. */
export function parsePth(bytes: Uint8Array, source = "pth data"): PthCheckpoint {
  if (!looksLikeZip(bytes)) throw new Error(`${source}: not a zip-format torch.save checkpoint (legacy pickle checkpoints are not implemented)`);
  const zip = openZip(bytes, source);
  const pickleName = zip.names.find((n) => n.endsWith("/data.pkl")) ?? "";
  if (!pickleName) throw new Error(`${source}: no */data.pkl entry; not a torch.save checkpoint`);
  const prefix = pickleName.slice(0, -"data.pkl".length);
  const { value: root } = unpickle(zip.read(pickleName), {
    findClass: (module, name) => {
      try {
        return findCheckpointGlobal(module, name);
      } catch (e) {
        throw new Error(`${source}: ${(e as Error).message}`);
      }
    },
    persistentLoad: (pid) => persistentStorage(pid, source),
  }, `${source} ${pickleName}`);
  const refs = findStateDict(root, source);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [key, ref] of refs) {
      tensors.set(key, materializeTensor(ref, zip.read(`${prefix}data/${ref.storage.key}`), `${source} key "${key}"`));
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
