// A tiny procedural segmentation task for the interim demo: textured backgrounds with rectangles,
// discs and triangles (classes 1–3), deterministic by seed.
export const SHAPE_CLASSES = ["background", "rectangle", "disc", "triangle"];

export interface ShapeBatch {
  images: Float32Array; // N×3×S×S, roughly zero-mean
  labels: BigInt64Array; // N×S×S
  count: number;
  size: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s + Math.imul(s ^ (s >>> 7), 61 | s);
    return ((s ^ (s >>> 14)) >>> 0) / 2 ** 32;
  };
}

function inside(kind: number, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  if (kind === 1) return Math.abs(dx) < r && Math.abs(dy) < r * 0.6;
  if (kind === 2) return dx * dx + dy * dy < r * r;
  return dy < r && dy > -r && Math.abs(dx) < (r - dy) / 2;
}

export function makeShapes(count: number, size: number, seed: number): ShapeBatch {
  const random = rng(seed);
  const images = new Float32Array(count * 3 * size * size);
  const labels = new BigInt64Array(count * size * size);
  const plane = size * size;
  for (let n = 0; n < count; n++) {
    const tint = [random(), random(), random()];
    const freq = 0.2 + random() * 0.6;
    const shapes = Array.from({ length: 2 + Math.floor(random() * 3) }, () => ({
      kind: 1 + Math.floor(random() * 3), cx: random() * size, cy: random() * size, r: size * (0.1 + random() * 0.15),
      color: [random(), random(), random()],
    }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const p = y * size + x;
        let label = 0;
        let color = tint.map((t, c) => t * 0.6 + 0.2 * Math.sin(freq * (x + c * 3) + y * 0.3));
        for (const s of shapes) {
          if (inside(s.kind, x, y, s.cx, s.cy, s.r)) {
            label = s.kind;
            color = s.color;
          }
        }
        labels[n * plane + p] = BigInt(label);
        for (let c = 0; c < 3; c++) images[(n * 3 + c) * plane + p] = color[c] + (random() - 0.5) * 0.2 - 0.5;
      }
    }
  }
  return { images, labels, count, size };
}
