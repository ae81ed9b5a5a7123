// Weights from a file of either format PyTorch users hold: safetensors, or a torch.save checkpoint
// (zip or legacy pickle, the state dict found when nested). The format is told by the bytes, not the
// name, so a ".bin" or a misnamed file still loads; errors name the file.
import { readFileSync } from "node:fs";
import type { Tensor } from "./tensor.js";
import { parsePth } from "./pth/load.js";
import { looksLikeZip } from "./pth/zip.js";
import { parseSafetensors, saveSafetensors } from "./safetensors.js";
import { savePth } from "./pth/writer.js";

export type WeightsFormat = "safetensors" | "pth";

export interface WeightsFile {
  tensors: Map<string, Tensor>;
  /** safetensors' string metadata ({} for a .pth). */
  metadata: Record<string, string>;
  format: WeightsFormat;
}

/** safetensors: an 8-byte little-endian header length, then the JSON header's "{"; torch.save: a zip or a pickle (0x80). */
export function weightsFormat(bytes: Uint8Array, source: string): WeightsFormat {
  if (bytes.length >= 9 && bytes[8] === 0x7b) {
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLength + 8n <= BigInt(bytes.length)) return "safetensors";
  }
  if (looksLikeZip(bytes) || bytes[0] === 0x80) return "pth";
  throw new Error(`${source}: neither a safetensors file nor a torch.save checkpoint (.pth/.pt)`);
}

/** Reads weights from a safetensors or .pth/.pt file, whichever it holds. */
export function loadWeights(path: string): WeightsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read weights (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const format = weightsFormat(bytes, path);
  if (format === "pth") return { tensors: parsePth(bytes, path).tensors, metadata: {}, format };
  return { ...parseSafetensors(bytes, path), format };
}

/** The format a path's extension names: .safetensors, or .pth/.pt (torch.save's zip format). */
export function formatOfPath(path: string): WeightsFormat {
  if (/\.safetensors$/i.test(path)) return "safetensors";
  if (/\.(pth|pt)$/i.test(path)) return "pth";
  throw new Error(`${path}: the name must end in .safetensors, .pth or .pt to say which format to write`);
}

/** Writes tensors atomically in the format the path's extension names. */
export function saveWeights(path: string, tensors: Map<string, Tensor>): void {
  if (formatOfPath(path) === "pth") savePth(path, tensors);
  else saveSafetensors(path, tensors);
}

/**
 * Renames a checkpoint's keys to a model's: `keyMap` gets each key and the set of all of them (a map
 * may need to see which layout the checkpoint has). Two keys renamed to one are an error naming both.
 */
export type KeyMap = (key: string, keys: ReadonlySet<string>) => string;

export function renameKeys(tensors: Map<string, Tensor>, keyMap: KeyMap, source: string): Map<string, Tensor> {
  const keys = new Set(tensors.keys());
  const out = new Map<string, Tensor>();
  const from = new Map<string, string>();
  for (const [key, t] of tensors) {
    const renamed = keyMap(key, keys);
    const earlier = from.get(renamed);
    if (earlier !== undefined) throw new Error(`${source}: keys "${earlier}" and "${key}" both map to "${renamed}"`);
    from.set(renamed, key);
    out.set(renamed, t);
  }
  return out;
}

/**
 * A checkpoint's state dict as a model's: keys renamed and, where a renaming is not enough, tensors
 * split, dropped or resized. Tensors it makes are the caller's, like the ones it passes on; errors
 * name `source` and the key. The rename-only maps are `renaming(keyMap)`, which keep their key function
 * for matching single keys (a reference's gradients).
 */
export interface StateMap {
  (tensors: Map<string, Tensor>, source: string): Map<string, Tensor>;
  readonly renameKey?: KeyMap;
}

/** The state map that only renames, by `renameKey`. */
export function renaming(renameKey: KeyMap): StateMap {
  return Object.assign((tensors: Map<string, Tensor>, source: string) => renameKeys(tensors, renameKey, source), { renameKey });
}

/** Disposes every tensor of the maps once (a state map's output shares tensors with its input). */
export function disposeStates(...states: Map<string, Tensor>[]): void {
  for (const t of new Set(states.flatMap((s) => [...s.values()]))) t.dispose();
}
