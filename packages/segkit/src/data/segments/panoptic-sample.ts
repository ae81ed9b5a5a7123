// A panoptic sample from an image, its id map and the segments the annotation lists: the label map
// holds each segment's category (the ignore index on void), areas and boxes are measured on the
// pixels (as panopticapi's pq_compute counts them). An id in the map that the annotation does not
// list, or a listed segment with no pixel, is an error, as in panopticapi.
import type { RgbImage } from "../image-file.js";
import type { RawSample } from "../types.js";
import { recountPanoptic } from "./segment-stats.js";
import type { PanopticTarget, SegmentInfo } from "./types.js";

export interface PanopticSource {
  /** The image file, and the file holding the ids (for messages). */
  imageFile: string;
  idFile: string;
  /** Where the segment list comes from (for messages), e.g. "x.json annotations[3].segments_info". */
  listedIn: string;
}

export function panopticSample(image: RgbImage, ids: Int32Array, segments: SegmentInfo[], source: PanopticSource, ignoreIndex: number): RawSample & { panoptic: PanopticTarget } {
  const { width, height } = image;
  if (ids.length !== width * height) throw new Error(`size mismatch: image ${source.imageFile} is ${width}×${height} but ${source.idFile} has ${ids.length} pixels`);
  const categoryOf = new Map(segments.map((s) => [s.id, s.category]));
  const label = new Uint8Array(ids.length);
  for (let p = 0; p < ids.length; p++) {
    if (ids[p] === 0) {
      label[p] = ignoreIndex;
      continue;
    }
    const category = categoryOf.get(ids[p]);
    if (category === undefined) throw new Error(`${source.idFile}: segment id ${ids[p]} at (x=${p % width}, y=${Math.floor(p / width)}) is not listed in ${source.listedIn}`);
    label[p] = category;
  }
  const panoptic = recountPanoptic(ids, width, segments);
  if (panoptic.segments.length < segments.length) {
    const missing = segments.filter((s) => !panoptic.segments.some((kept) => kept.id === s.id)).map((s) => s.id);
    throw new Error(`${source.listedIn} lists segment id${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, not present in ${source.idFile}`);
  }
  return { width, height, pixels: image.pixels, label, panoptic, meta: { file: source.imageFile, size: [height, width] } };
}
