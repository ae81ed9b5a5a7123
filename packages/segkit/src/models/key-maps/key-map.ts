// Key maps convert a checkpoint's state dict to segkit's, so weights trained elsewhere load by name:
// most only rename (torch's `renaming`), some also split fused projections or resize tensors. Each is
// registered under a literal name (kind "keymap") for `segkit convert --map`, Module.load's keyMap and
// a backbone's pretrainedMap. A renaming passes a key it does not know unchanged, so the load reports
// it by name; a converting map names the key it cannot place.
import type { StateMap } from "@segkit/torch";
import { build } from "../../config/registry.js";

/** The key map registered as `name`; `where` names the config place or argument in errors. */
export function keyMapNamed(name: string, where: string): StateMap {
  try {
    return build<StateMap>("keymap", { type: name }, where);
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
