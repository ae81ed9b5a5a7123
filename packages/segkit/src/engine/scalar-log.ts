// The run's scalar log: one JSON object per line (iteration, loss parts, lr, val metrics, time).
// Appended line by line so that a killed run keeps everything logged before the kill.
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export type ScalarRecord = { iter: number; [name: string]: number | string | null };

export class ScalarLog {
  constructor(readonly path: string) {}

  append(record: ScalarRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + "\n");
  }

  /** Every record; a torn last line (from a kill mid-write) is dropped. */
  read(): ScalarRecord[] {
    if (!existsSync(this.path)) return [];
    const out: ScalarRecord[] = [];
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        out.push(JSON.parse(line) as ScalarRecord);
      } catch {
        // only the last line can be torn; anything after it was never written
      }
    }
    return out;
  }

  /** Drops records after `iter` (a resumed run rewrites them). */
  truncateAfter(iter: number): ScalarRecord[] {
    return this.read().filter((r) => r.iter <= iter);
  }
}
