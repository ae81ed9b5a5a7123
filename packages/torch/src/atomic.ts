// Atomic file replacement: write a temporary file beside the target, flush it, rename it over.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Replaces `path` by `data` (or by the chunks of `data`, one after the other: files beyond one buffer's size). */
export function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, "w");
  try {
    const chunks = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const bytes of chunks) {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(temp); } catch { /* never created or already renamed */ }
    throw e;
  }
}
