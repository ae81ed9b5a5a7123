// What panoptic and instance samples add to a semantic one: segments with their category, area
// and box. A panoptic sample holds an H×W map of segment ids (each pixel in at most one segment,
// id 0 = void), as COCO panoptic PNGs and Cityscapes instanceIds images do; an instance sample
// holds one H×W mask per object, as COCO instance annotations do (objects may overlap).
import type { Dataset, RawSample } from "../types.js";

export interface SegmentInfo {
  /** The segment's value in the id map (panoptic) or its annotation id (instances); never 0 in a map. */
  id: number;
  /** Class index into the dataset's classes. */
  category: number;
  /** A countable object (thing) rather than an amorphous region (stuff). */
  isThing: boolean;
  /** A crowd region: several objects annotated as one. */
  iscrowd: boolean;
  /** Pixels in the segment. */
  area: number;
  /** [x, y, width, height] of the pixels' bounding box (COCO's form). */
  bbox: [number, number, number, number];
}

export interface PanopticTarget {
  /** H×W segment ids; 0 is void (no segment). */
  ids: Int32Array;
  /** One entry per id present in `ids`. */
  segments: SegmentInfo[];
}

export interface Instance extends SegmentInfo {
  /** H×W, 1 inside the object. */
  mask: Uint8Array;
}

/** A dataset whose samples carry panoptic segments besides the semantic label map. */
export interface PanopticDataset extends Dataset {
  /** Per class: true for things (counted instances), false for stuff. */
  isThing: boolean[];
  raw(i: number): Promise<RawSample & { panoptic: PanopticTarget }>;
}

/** A dataset whose samples carry one mask per object besides the semantic label map. */
export interface InstanceDataset extends Dataset {
  isThing: boolean[];
  raw(i: number): Promise<RawSample & { instances: Instance[] }>;
}
