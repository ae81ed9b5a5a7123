/** Neighbour offsets (dy, dx) of 4- and 8-connectivity, in skimage's order (by distance, then raster). */
export const NEIGHBOURS_4: readonly (readonly [number, number])[] = [[-1, 0], [0, -1], [0, 1], [1, 0]];
export const NEIGHBOURS_8: readonly (readonly [number, number])[] = [[-1, 0], [0, -1], [0, 1], [1, 0], [-1, -1], [-1, 1], [1, -1], [1, 1]];

export type Connectivity = 4 | 8;

export function neighbourOffsets(where: string, connectivity: number): readonly (readonly [number, number])[] {
  if (connectivity === 4) return NEIGHBOURS_4;
  if (connectivity === 8) return NEIGHBOURS_8;
  throw new RangeError(`${where}: connectivity must be 4 or 8, got ${connectivity}`);
}
