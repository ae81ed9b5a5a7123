// Paths in configs: a relative dataset `root` or backbone `pretrained` in a config file names a path
// relative to that file, so a config means the same files whichever directory segkit runs from. Values given on the command line (--set)
// are relative to the working directory, as any command-line path is.
import { resolve } from "node:path";
import type { ConfigValue } from "./overrides.js";

const PATH_KEYS = new Set(["root", "pretrained"]);

/** Makes every string under a key named "root" or "pretrained" absolute against `dir`, in place (absolute ones stay). */
export function resolveRoots(value: ConfigValue, dir: string): void {
  if (Array.isArray(value)) {
    for (const v of value) resolveRoots(v, dir);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (PATH_KEYS.has(key) && typeof v === "string") value[key] = resolve(dir, v);
      else resolveRoots(v, dir);
    }
  }
}
