/**
 * Indices 0..n-1 ordered by ascending non-negative float64 key, fast: each key's lowest mantissa
 * bits are replaced by its index and the keys sorted natively (a typed-array sort, no comparator).
 * Keys equal in all but those bits — a relative difference under 2⁻³² — count as ties and keep
 * index order.
 */
export function argsortNonNegative(keys: Float64Array): Uint32Array {
  const n = keys.length;
  const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  if (bits > 31) throw new RangeError(`argsortNonNegative: ${n} keys are too many`);
  const mask = 2 ** bits - 1;
  const packed = Float64Array.from(keys);
  const words = new Uint32Array(packed.buffer); // little-endian: [low, high] per key
  for (let i = 0; i < n; i++) words[2 * i] = ((words[2 * i] & ~mask) | i) >>> 0;
  packed.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = words[2 * i] & mask;
  return order;
}
