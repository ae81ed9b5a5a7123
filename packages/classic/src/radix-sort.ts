/**
 * Indices 0..n-1 ordered by ascending key, ties in index order (stable), for non-negative float64
 * keys: their IEEE bit patterns order like the numbers, so an LSD radix sort over four 16-bit
 * digits sorts them in linear time without a comparator.
 */
export function argsortNonNegative(keys: Float64Array): Uint32Array {
  const n = keys.length;
  const words = new Uint32Array(keys.buffer, keys.byteOffset, 2 * n); // little-endian: [low, high] per key
  let order = new Uint32Array(n);
  let scratch = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65536);
  // Digits from least to most significant: low word's low half, low word's high half, then the high word's.
  for (let digit = 0; digit < 4; digit++) {
    const word = digit >> 1;
    const shift = (digit & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(words[2 * i + word] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const index = order[i];
      scratch[counts[(words[2 * index + word] >>> shift) & 0xffff]++] = index;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}
