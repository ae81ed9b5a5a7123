// Listing helpers for the format files: folder listings and split lists, with errors naming the path.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"];

/** Files in `dir` (recursively when `deep`) with one of `extensions`, sorted. */
export function listFiles(dir: string, extensions: string[], where: string, deep = false): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${where}: folder ${dir} does not exist`);
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && deep) out.push(...listFiles(path, extensions, where, true));
    else if (entry.isFile() && extensions.includes(extname(entry.name).toLowerCase())) out.push(path);
  }
  if (out.length === 0 && !deep) throw new Error(`${where}: folder ${dir} has no ${extensions.join("/")} files`);
  return out.sort();
}

/** Non-empty, trimmed lines of a split list. */
export function readList(file: string, where: string): string[] {
  if (!existsSync(file)) throw new Error(`${where}: split list ${file} does not exist`);
  const lines = readFileSync(file, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error(`${where}: split list ${file} is empty`);
  return lines;
}

export function stem(file: string): string {
  return basename(file, extname(file));
}

/** Pairs imageDir/X.* with labelDir/X.png by stem; with `stems`, only those (a missing image reads as X.jpg). */
export function pairByStem(imageDir: string, labelDir: string, where: string, stems?: string[]): { image: string; label: string }[] {
  const images = new Map(listFiles(imageDir, [".jpg", ".jpeg", ".png"], where).map((f) => [stem(f), f]));
  return (stems ?? [...images.keys()]).map((s) => ({ image: images.get(s) ?? join(imageDir, `${s}.jpg`), label: join(labelDir, `${s}.png`) }));
}
