// Areas and bounding boxes of segments, measured on the pixels (COCO/panopticapi: a box spans the
// first to the last pixel column and row, both included).
import type { Instance, PanopticTarget, SegmentInfo } from "./types.js";

export interface SegmentExtent {
  area: number;
  bbox: [number, number, number, number];
}

/** The extent of every non-zero id in an id map `width` pixels wide. */
export function idExtents(ids: Int32Array | Uint8Array, width: number): Map<number, SegmentExtent> {
  const bounds = new Map<number, { area: number; x0: number; y0: number; x1: number; y1: number }>();
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p];
    if (id === 0) continue;
    const x = p % width, y = (p - x) / width;
    const b = bounds.get(id);
    if (!b) bounds.set(id, { area: 1, x0: x, y0: y, x1: x, y1: y });
    else {
      b.area++;
      if (x < b.x0) b.x0 = x;
      if (x > b.x1) b.x1 = x;
      b.y1 = y; // rows come in order
    }
  }
  return new Map([...bounds].map(([id, b]) => [id, { area: b.area, bbox: [b.x0, b.y0, b.x1 - b.x0 + 1, b.y1 - b.y0 + 1] }]));
}

/** The extent of a 0/1 mask; null when it is empty. */
export function maskExtent(mask: Uint8Array, width: number): SegmentExtent | null {
  return idExtents(mask, width).get(1) ?? null;
}

/** The segments with areas and boxes measured on `ids`; segments no pixel holds any more are dropped. */
export function recountPanoptic(ids: Int32Array, width: number, segments: SegmentInfo[]): PanopticTarget {
  const extents = idExtents(ids, width);
  const kept = segments.filter((s) => extents.has(s.id)).map((s) => ({ ...s, ...extents.get(s.id)! }));
  return { ids, segments: kept };
}

/** The instances with areas and boxes measured on their masks; empty masks are dropped. */
export function recountInstances(instances: Instance[], width: number): Instance[] {
  return instances.flatMap((s) => {
    const extent = maskExtent(s.mask, width);
    return extent ? [{ ...s, ...extent }] : [];
  });
}
