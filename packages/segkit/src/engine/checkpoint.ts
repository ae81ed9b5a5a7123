// Checkpoints: one safetensors file holding every tensor (model, optimizer state, EMA, RNG state,
// each under its own prefix) and a JSON metadata entry for the rest (iteration, schedule state,
// best metric, config). Written atomically, so a kill during a write leaves the previous file intact.
import { existsSync, mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, saveSafetensors, type Tensor } from "@segkit/torch";
import { CLASSES_KEY, readClassInfo, type ClassInfo } from "./class-info.js";

export interface Checkpoint {
  /** Groups of named tensors, e.g. { model: stateDict, optimizer: ..., ema: ... }. */
  tensors: Record<string, Map<string, Tensor>>;
  /** Everything else, JSON-serialisable. */
  state: Record<string, unknown>;
  /** The classes and palette the model predicts, so predict needs no dataset (read with readClassInfo). */
  classes?: ClassInfo;
}

const STATE_KEY = "segkit.state";

export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  const flat = new Map<string, Tensor>();
  for (const [group, tensors] of Object.entries(checkpoint.tensors)) {
    if (group.includes("/")) throw new Error(`checkpoint group "${group}" must not contain "/"`);
    for (const [name, t] of tensors) flat.set(`${group}/${name}`, t);
  }
  const metadata: Record<string, string> = { [STATE_KEY]: JSON.stringify(checkpoint.state) };
  if (checkpoint.classes) metadata[CLASSES_KEY] = JSON.stringify(checkpoint.classes);
  saveSafetensors(path, flat, metadata);
}

/** Reads a checkpoint; a file that is not one, or whose metadata is not valid, is an error naming the file and key (nothing stays loaded). */
export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const text = metadata[STATE_KEY];
    if (text === undefined) throw new Error(`${path}: not a segkit checkpoint (no "${STATE_KEY}" metadata)`);
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: metadata "${STATE_KEY}" is not valid JSON (${(e as Error).message})`);
    }
    if (typeof state !== "object" || state === null || Array.isArray(state)) throw new Error(`${path}: metadata "${STATE_KEY}" must be a JSON object`);
    const classes = readClassInfo(metadata, path) ?? undefined;
    const groups: Record<string, Map<string, Tensor>> = {};
    for (const [key, t] of tensors) {
      const slash = key.indexOf("/");
      const group = slash < 0 ? "" : key.slice(0, slash);
      (groups[group] ??= new Map()).set(key.slice(slash + 1), t);
    }
    return { tensors: groups, state: state as Record<string, unknown>, ...(classes ? { classes } : {}) };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}

/** Frees the tensors a loaded checkpoint holds. */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  for (const group of Object.values(checkpoint.tensors)) for (const t of group.values()) t.dispose();
}

const ITER_FILE = /^iter_(\d+)\.safetensors$/;

/**
 * Keeps a run's checkpoints in `dir`: iter_N.safetensors for the last `keepLast` saves, and
 * best.safetensors for the best value of the tracked metric (higher is better).
 */
export class CheckpointKeeper {
  constructor(readonly dir: string, readonly keepLast = 2) {
    if (!Number.isInteger(keepLast) || keepLast < 1) throw new Error(`keepLast must be a positive integer, got ${keepLast}`);
    mkdirSync(dir, { recursive: true });
  }

  iterationFiles(): { iteration: number; path: string }[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => ITER_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ iteration: Number(m[1]), path: join(this.dir, m[0]) }))
      .sort((a, b) => a.iteration - b.iteration);
  }

  /** The newest iteration checkpoint, for --resume. */
  latest(): string | null {
    const files = this.iterationFiles();
    return files.length > 0 ? files[files.length - 1].path : null;
  }

  get bestPath(): string {
    return join(this.dir, "best.safetensors");
  }

  save(iteration: number, checkpoint: Checkpoint): string {
    const path = join(this.dir, `iter_${iteration}.safetensors`);
    saveCheckpoint(path, checkpoint);
    const files = this.iterationFiles();
    for (const old of files.slice(0, Math.max(0, files.length - this.keepLast))) unlinkSync(old.path);
    return path;
  }

  /** Writes best.safetensors when `value` beats the best so far (kept in the checkpoint's state). */
  saveIfBest(metric: string, value: number, checkpoint: Checkpoint, bestSoFar: number | null): boolean {
    if (bestSoFar !== null && !(value > bestSoFar)) return false;
    saveCheckpoint(this.bestPath, { ...checkpoint, state: { ...checkpoint.state, best: { metric, value } } });
    return true;
  }
}
