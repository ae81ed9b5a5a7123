// Reading builder options with errors that name the offending key.
export type Options = Record<string, unknown>;

export function num(o: Options, key: string, fallback: number, where: string, range: [number, number] = [-Infinity, Infinity]): number {
  const v = o[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < range[0] || v > range[1]) {
    throw new Error(`${where}: "${key}" must be a number in [${range[0]}, ${range[1]}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function pair(o: Options, key: string, fallback: [number, number] | undefined, where: string): [number, number] {
  const v = o[key] ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new Error(`${where}: "${key}" must be a pair of numbers, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

export function triple(o: Options, key: string, fallback: number[], where: string): [number, number, number] {
  const v = o[key] ?? fallback;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new Error(`${where}: "${key}" must be three numbers, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2]];
}

export function str<T extends string>(o: Options, key: string, fallback: T, where: string, choices?: readonly T[]): T {
  const v = o[key] ?? fallback;
  if (typeof v !== "string" || (choices && !choices.includes(v as T))) {
    throw new Error(`${where}: "${key}" must be ${choices ? `one of ${choices.join(", ")}` : "a string"}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function bool(o: Options, key: string, fallback: boolean, where: string): boolean {
  const v = o[key] ?? fallback;
  if (typeof v !== "boolean") throw new Error(`${where}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}
