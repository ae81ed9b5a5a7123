// Where the automatic mask generator prompts: a regular grid of points in [0, 1]² per crop layer, and
// the crop boxes (the whole image, then 2×2, 4×4, ... overlapping crops), as the reference makes them.

/** n × n cell centres in [0, 1]², row by row, as (x, y). */
export function pointGrid(n: number): number[][] {
  const offset = 1 / (2 * n);
  // numpy's linspace: start + i·step, the last one exactly the stop.
  const step = n > 1 ? (1 - 2 * offset) / (n - 1) : 0;
  const side = Array.from({ length: n }, (_, i) => (i === n - 1 && n > 1 ? 1 - offset : i * step + offset));
  return side.flatMap((y) => side.map((x) => [x, y]));
}

/** One grid per crop layer: layer i has ⌊pointsPerSide / downscale^i⌋ points per side. */
export function layerPointGrids(pointsPerSide: number, cropLayers: number, downscale: number): number[][][] {
  return Array.from({ length: cropLayers + 1 }, (_, i) => pointGrid(Math.trunc(pointsPerSide / downscale ** i)));
}

export interface CropBox {
  /** x0, y0, x1, y1 in image pixels. */
  box: [number, number, number, number];
  layer: number;
}

/** The whole image, then per layer i (2^i)² crops overlapping by overlapRatio of the short side (scaled by 2 / crops per side). */
export function cropBoxes([height, width]: number[], cropLayers: number, overlapRatio: number): CropBox[] {
  const crops: CropBox[] = [{ box: [0, 0, width, height], layer: 0 }];
  const shortSide = Math.min(height, width);
  const cropLength = (length: number, n: number, overlap: number) => Math.ceil((overlap * (n - 1) + length) / n);
  for (let layer = 0; layer < cropLayers; layer++) {
    const perSide = 2 ** (layer + 1);
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / perSide));
    const cw = cropLength(width, perSide, overlap);
    const ch = cropLength(height, perSide, overlap);
    const xs = Array.from({ length: perSide }, (_, i) => Math.trunc((cw - overlap) * i));
    const ys = Array.from({ length: perSide }, (_, i) => Math.trunc((ch - overlap) * i));
    for (const x0 of xs) {
      for (const y0 of ys) crops.push({ box: [x0, y0, Math.min(x0 + cw, width), Math.min(y0 + ch, height)], layer: layer + 1 });
    }
  }
  return crops;
}
