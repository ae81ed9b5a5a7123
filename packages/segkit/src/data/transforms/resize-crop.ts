// Resize directly followed by RandomCrop, computed together: the label map is resized whole (the
// crop's class-ratio check needs it; it is one byte a pixel) but only the kept window of the image
// is resampled. It draws the same random numbers in the same order, so the result is identical to
// running the two steps in turn; the pipeline substitutes it automatically.
import type { Options } from "../options.js";
import type { Transform } from "../types.js";
import { cropPlan } from "./random-crop.js";
import { resizePlan } from "./resize.js";
import { carrySegments } from "../segments/carry-segments.js";
import { cropPlane, resizeNearest, resizePixels } from "./sampling.js";

export function resizeThenCrop(resizeOptions: Options, cropOptions: Options): Transform {
  const size = resizePlan(resizeOptions);
  const crop = cropPlan(cropOptions);
  const [ch, cw] = crop.size;
  return (s, rng) => {
    const [w, h] = size(s, rng);
    const label = w === s.width && h === s.height ? s.label : resizeNearest(s.label, s.width, s.height, w, h);
    const [top, left] = crop.place(label, w, h, rng);
    const out = {
      ...s, width: cw, height: ch,
      pixels: resizePixels(s, w, h, top, left, ch, cw, 0),
      label: cropPlane(label, w, h, 1, top, left, ch, cw, crop.ignore),
    };
    return carrySegments(s, out, (plane) => cropPlane(resizeNearest(plane, s.width, s.height, w, h), w, h, 1, top, left, ch, cw, 0));
  };
}
