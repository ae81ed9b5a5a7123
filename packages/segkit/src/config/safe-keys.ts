// Keys that reach JavaScript's object machinery. JSON.parse keeps "__proto__" as an ordinary own key,
// and assigning it while merging or overriding would replace an object's prototype; "constructor" and
// "prototype" shadow what every object inherits. No option has these names, so a config naming one
// is rejected rather than half-applied.
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** Throws when `key` (at config path `path`) is one of the forbidden names; `where` names the source. */
export function checkKeyName(key: string, path: string, where: string): void {
  if (FORBIDDEN.has(key)) throw new Error(`${where}: key "${path}" is not allowed (__proto__, constructor and prototype are reserved)`);
}

/** Checks every key of a parsed config value, recursively. */
export function checkSafeKeys(value: unknown, where: string, path = ""): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkSafeKeys(v, where, path === "" ? String(i) : `${path}.${i}`));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      checkKeyName(key, at, where);
      checkSafeKeys(v, where, at);
    }
  }
}
