/**
 * Pixel agreement of two segmentations after matching their labels one-to-one. The matching is
 * greedy (largest overlaps first), which can only undercount the optimal matching's agreement, so
 * a bound it passes holds for the optimum too.
 */
export function matchedAgreement(a: Int32Array, b: Int32Array): number {
  const overlaps = new Map<number, number>();
  let bCount = 0;
  for (let i = 0; i < b.length; i++) bCount = Math.max(bCount, b[i] + 1);
  for (let i = 0; i < a.length; i++) {
    const key = a[i] * bCount + b[i];
    overlaps.set(key, (overlaps.get(key) ?? 0) + 1);
  }
  const pairs = [...overlaps].sort((x, y) => y[1] - x[1]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let matched = 0;
  for (const [key, count] of pairs) {
    const la = Math.floor(key / bCount);
    const lb = key % bCount;
    if (usedA.has(la) || usedB.has(lb)) continue;
    usedA.add(la);
    usedB.add(lb);
    matched += count;
  }
  return matched / a.length;
}
