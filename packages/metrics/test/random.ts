/** Seeded generator for test data (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blocky label map: random rectangles painted over a background, like a segmentation. */
export function blockyLabels(width: number, height: number, values: number, rand: () => number): Uint8Array {
  const map = new Uint8Array(width * height).fill(Math.floor(rand() * values));
  for (let r = 0; r < 12; r++) {
    const x0 = Math.floor(rand() * width);
    const y0 = Math.floor(rand() * height);
    const w = 1 + Math.floor(rand() * width * 0.5);
    const h = 1 + Math.floor(rand() * height * 0.5);
    const v = Math.floor(rand() * values);
    for (let y = y0; y < Math.min(height, y0 + h); y++) map.fill(v, y * width + x0, y * width + Math.min(width, x0 + w));
  }
  return map;
}
