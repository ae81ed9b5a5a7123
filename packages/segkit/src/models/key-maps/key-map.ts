// Key maps rename a checkpoint's keys to segkit's, so weights trained elsewhere load by name. Each is
// registered under a literal name (kind "keymap") for `segkit convert --map`, Module.load's keyMap and
// a backbone's pretrainedMap. A key a map does not know passes unchanged, so the load reports it by name.
import type { KeyMap } from "@segkit/torch";
import { build } from "../../config/registry.js";

/** The key map registered as `name`; `where` names the config place or argument in errors. */
export function keyMapNamed(name: string, where: string): KeyMap {
  try {
    return build<KeyMap>("keymap", { type: name }, where);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Renames the checkpoint keys `rule` matches (returning the new key), keeping the rest. */
export function rules(...list: [RegExp, string][]): (key: string) => string {
  return (key) => {
    for (const [pattern, replacement] of list) if (pattern.test(key)) return key.replace(pattern, replacement);
    return key;
  };
}
