// Geometric transforms move a sample's panoptic ids and instance masks exactly as its label map
// (nearest neighbour, 0 = void where the label gets the ignore index), then measure the segments
// again: areas and boxes follow the pixels, and segments left without pixels are dropped.
import type { RawSample } from "../types.js";
import { recountInstances, recountPanoptic } from "./segment-stats.js";

/** Maps an H×W plane of the input to the output's geometry, filling new pixels with 0. */
export type PlaneMap = <T extends Uint8Array | Int32Array>(plane: T) => T;

/** `to` (the transformed `from`) with `from`'s ids and masks passed through `plane` and recounted. */
export function carrySegments(from: RawSample, to: RawSample, plane: PlaneMap): RawSample {
  if (!from.panoptic && !from.instances) return to;
  const out = { ...to };
  if (from.panoptic) out.panoptic = recountPanoptic(plane(from.panoptic.ids), to.width, from.panoptic.segments);
  if (from.instances) out.instances = recountInstances(from.instances.map((s) => ({ ...s, mask: plane(s.mask) })), to.width);
  return out;
}
