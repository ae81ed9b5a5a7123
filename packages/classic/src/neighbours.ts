/** Neighbour offsets (dy, dx) of 4- and 8-connectivity, in skimage's order (by distance, then raster). */
const NEIGHBOURS_4: readonly (readonly [number, number])[] = [[-1, 0], [0, -1], [0, 1], [1, 0]];
const NEIGHBOURS_8: readonly (readonly [number, number])[] = [[-1, 0], [0, -1], [0, 1], [1, 0], [-1, -1], [-1, 1], [1, -1], [1, 1]];

export type Connectivity = 4 | 8;

/** The 4- or 8-neighbours of pixels on a width×height grid. */
export class Neighbourhood {
  readonly count: number;
  private readonly dy: Int32Array;
  private readonly dx: Int32Array;

  /** `where` names the caller in the error for a connectivity other than 4 or 8. */
  constructor(where: string, readonly width: number, readonly height: number, connectivity: number) {
    if (connectivity !== 4 && connectivity !== 8) throw new RangeError(`${where}: connectivity must be 4 or 8, got ${connectivity}`);
    const offsets = connectivity === 4 ? NEIGHBOURS_4 : NEIGHBOURS_8;
    this.count = offsets.length;
    this.dy = Int32Array.from(offsets, (o) => o[0]);
    this.dx = Int32Array.from(offsets, (o) => o[1]);
  }

  /** The index of pixel (x, y)'s k-th neighbour, or -1 outside the image. */
  at(x: number, y: number, k: number): number {
    const ny = y + this.dy[k];
    const nx = x + this.dx[k];
    return ny < 0 || ny >= this.height || nx < 0 || nx >= this.width ? -1 : ny * this.width + nx;
  }
}
