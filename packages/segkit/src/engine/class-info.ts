// The classes a model predicts and their colours, stored in every checkpoint (a metadata entry of
// its own) so that predicting from a checkpoint needs no dataset.
import type { Rgb } from "../data/types.js";

export interface ClassInfo {
  classes: string[];
  /** One [r, g, b] per class: the palette of predicted label PNGs. */
  palette: Rgb[];
}

export const CLASSES_KEY = "segkit.classes";

/** The class info in a safetensors file's metadata (null when it has none); errors name the file and key. */
export function readClassInfo(metadata: Record<string, string>, file: string): ClassInfo | null {
  const text = metadata[CLASSES_KEY];
  if (text === undefined) return null;
  const where = `${file}: metadata "${CLASSES_KEY}"`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`);
  }
  const { classes, palette } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === "string")) {
    throw new Error(`${where}: "classes" must be a non-empty array of names`);
  }
  const isByte = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
  if (!Array.isArray(palette) || palette.length !== classes.length || !palette.every((c) => Array.isArray(c) && c.length === 3 && c.every(isByte))) {
    throw new Error(`${where}: "palette" must hold one [r, g, b] of integers 0–255 per class (${classes.length})`);
  }
  return { classes, palette: palette as Rgb[] };
}
