// Dataset roots: a relative `root` in a config file names a folder relative to that file, so a config
// means the same data whichever directory segkit runs from. Values given on the command line (--set)
// are relative to the working directory, as any command-line path is.
import { resolve } from "node:path";
import type { ConfigValue } from "./overrides.js";

/** Makes every string under a key named "root" absolute against `dir`, in place (absolute ones stay). */
export function resolveRoots(value: ConfigValue, dir: string): void {
  if (Array.isArray(value)) {
    for (const v of value) resolveRoots(v, dir);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "root" && typeof v === "string") value[key] = resolve(dir, v);
      else resolveRoots(v, dir);
    }
  }
}
