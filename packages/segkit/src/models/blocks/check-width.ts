// Width options (channel counts) are checked where a model is built, so a bad config names its key
// instead of failing inside a layer.

/** Throws a RangeError naming `owner` and `key` unless `value` (or each of its entries) is an integer ≥ `min` and a multiple of `multipleOf`. */
export function checkWidth(owner: string, key: string, value: number | number[], { min = 1, multipleOf = 1 } = {}): void {
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v) => Number.isInteger(v) && v >= min && v % multipleOf === 0)) {
    const what = [`integer${Array.isArray(value) ? "s" : ""} ≥ ${min}`, ...(multipleOf > 1 ? [`multiple${Array.isArray(value) ? "s" : ""} of ${multipleOf}`] : [])].join(", ");
    throw new RangeError(`${owner}: ${key} must be ${what}, got ${JSON.stringify(value)}`);
  }
}
