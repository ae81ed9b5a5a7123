// Hyperparameters of optimizers and schedules: checked by name, so a typo or a bad value is an
// error naming the key instead of a silently ignored option.

export type HyperValue = number | boolean | readonly number[];

/** Throws when `given` has a key outside `allowed`, naming it and listing the allowed ones. */
export function rejectUnknownKeys(given: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${where}: unknown option '${key}' (allowed: ${allowed.join(", ")})`);
    }
  }
}

/** A finite number >= 0, or an error naming `key`. */
export function nonNegative(value: unknown, key: string, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where}: ${key} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/** A number in [lo, hi) (or [lo, hi] when `closed`), or an error naming `key`. */
export function inRange(value: unknown, key: string, where: string, lo: number, hi: number, closed = false): number {
  const ok = typeof value === "number" && value >= lo && (closed ? value <= hi : value < hi);
  if (!ok) throw new RangeError(`${where}: ${key} must be in [${lo}, ${hi}${closed ? "]" : ")"}, got ${String(value)}`);
  return value;
}

/** A positive integer, or an error naming `key`. */
export function positiveInt(value: unknown, key: string, where: string): number {
  if (value === undefined || Number.isNaN(value)) throw new TypeError(`${where}: ${key} is required`);
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${where}: ${key} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** `given` over `defaults`, each given value of the default's type (numbers, booleans, number pairs). */
export function withDefaults<H extends Record<string, HyperValue>>(defaults: H, given: Partial<H>, where: string): H {
  const out: Record<string, HyperValue> = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const d = defaults[key];
    const sameKind = Array.isArray(d)
      ? Array.isArray(value) && value.length === d.length && value.every((v) => typeof v === "number")
      : typeof value === typeof d;
    if (!sameKind) {
      const expected = Array.isArray(d) ? `an array of ${d.length} numbers` : `a ${typeof d}`;
      throw new TypeError(`${where}: ${key} must be ${expected}, got ${JSON.stringify(value)}`);
    }
    out[key] = Array.isArray(value) ? [...(value as number[])] : (value as HyperValue);
  }
  return out as H;
}

/** Unknown keys rejected, then `given` over `defaults` (see withDefaults). */
export function options<H extends Record<string, HyperValue>>(defaults: H, given: Partial<H>, where: string): H {
  rejectUnknownKeys(given, Object.keys(defaults), where);
  return withDefaults(defaults, given, where);
}
