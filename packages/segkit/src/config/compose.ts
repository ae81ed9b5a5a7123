// Configs composed from parts, mmsegmentation-style: a config may list `base` files (model,
// dataset + pipeline, schedule, runtime) that are merged first, later ones and the config itself
// overriding earlier values key by key. Files are JSON or ES modules whose default export is the object.
// A relative dataset `root` in a file is relative to that file's folder (roots.ts).
import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ConfigObject, ConfigValue } from "./overrides.js";
import { resolveRoots } from "./roots.js";
import { checkSafeKeys } from "./safe-keys.js";

function isObject(v: unknown): v is ConfigObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Objects naming different types are different things with different options: the later replaces.
const sameKind = (a: ConfigObject, b: ConfigObject): boolean => a.type === undefined || b.type === undefined || a.type === b.type;

/**
 * `over` merged onto `base`: objects key by key, except that an object with another `type` replaces
 * the earlier one (an AdamW optimizer does not inherit SGD's momentum); everything else (arrays
 * too) is replaced.
 */
export function deepMerge(base: ConfigObject, over: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) && sameKind(current, value) ? deepMerge(current, value) : (structuredClone(value) as ConfigValue);
  }
  return out;
}

async function readConfigFile(path: string): Promise<ConfigObject> {
  let value: unknown;
  try {
    if (extname(path) === ".json") {
      value = JSON.parse(readFileSync(path, "utf8"));
    } else {
      value = (await import(pathToFileURL(path).href)).default;
    }
  } catch (e) {
    throw new Error(`config ${path}: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new Error(`config ${path}: expected an object (JSON, or a module's default export)`);
  checkSafeKeys(value, `config ${path}`);
  resolveRoots(value, dirname(path));
  return value;
}

/** Loads a config file and its `base` chain (paths relative to the file that names them). */
export async function loadConfig(path: string, seen: string[] = []): Promise<ConfigObject> {
  const file = resolve(path);
  if (seen.includes(file)) throw new Error(`config ${file}: base cycle through ${seen.join(" → ")}`);
  const own = await readConfigFile(file);
  const bases = own.base === undefined ? [] : Array.isArray(own.base) ? own.base : [own.base];
  let merged: ConfigObject = {};
  for (const b of bases) {
    if (typeof b !== "string") throw new Error(`config ${file}: base entries must be file paths`);
    merged = deepMerge(merged, await loadConfig(resolve(dirname(file), b), [...seen, file]));
  }
  const { base: _base, ...rest } = own;
  return deepMerge(merged, rest);
}
