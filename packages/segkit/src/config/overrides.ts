// Command-line overrides: `--set optimizer.lr=0.01 --set model.backbone.depth=50`. A path must name
// an existing key (a typo is an error naming it and the closest valid key); values are read as JSON
// when they parse (numbers, booleans, null, arrays, objects) and as strings otherwise.
import { didYouMean } from "./closest.js";
import { checkKeyName, checkSafeKeys } from "./safe-keys.js";

export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
export type ConfigObject = { [key: string]: ConfigValue };

function parseValue(text: string): ConfigValue {
  try {
    return JSON.parse(text) as ConfigValue;
  } catch {
    return text;
  }
}

function isObject(v: unknown): v is ConfigObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Applies one `path=value` override in place. */
export function applyOverride(config: ConfigObject, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new Error(`--set ${assignment}: expected path=value, e.g. optimizer.lr=0.01`);
  const path = assignment.slice(0, eq).split(".");
  path.forEach((key, i) => checkKeyName(key, path.slice(0, i + 1).join("."), `--set ${assignment}`));
  const value = parseValue(assignment.slice(eq + 1));
  checkSafeKeys(value, `--set ${assignment}`, path.join("."));
  let node: ConfigValue = config;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const where = path.slice(0, i + 1).join(".");
    if (Array.isArray(node)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= node.length) {
        throw new Error(`--set ${assignment}: ${where} is not an index of a list of ${node.length}`);
      }
      if (i === path.length - 1) node[index] = value;
      else node = node[index];
      continue;
    }
    if (!isObject(node)) throw new Error(`--set ${assignment}: ${path.slice(0, i).join(".")} is not an object`);
    if (!Object.hasOwn(node, key)) {
      throw new Error(`--set ${assignment}: unknown key "${where}"${didYouMean(key, Object.keys(node))}`);
    }
    if (i === path.length - 1) node[key] = value;
    else node = node[key];
  }
}

export function applyOverrides(config: ConfigObject, assignments: readonly string[]): ConfigObject {
  for (const a of assignments) applyOverride(config, a);
  return config;
}
