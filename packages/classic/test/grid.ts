import type { LabelMap } from "../src/index.js";

/** A label map from rows of digits, e.g. ["0011", "0011"]: readable hand-made cases. */
export function grid(rows: string[]): LabelMap {
  const width = rows[0].length;
  const labels = Int32Array.from(rows.join(""), (c) => Number(c));
  return { width, height: rows.length, labels };
}

/** The rows of digits of a label map (labels 0–9). */
export function rows(map: LabelMap): string[] {
  const out: string[] = [];
  for (let y = 0; y < map.height; y++) out.push(Array.from(map.labels.subarray(y * map.width, (y + 1) * map.width)).join(""));
  return out;
}
