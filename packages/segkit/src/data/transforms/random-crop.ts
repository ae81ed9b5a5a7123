// RandomCrop (mmseg): a size = [height, width] window; with catMaxRatio < 1 it retries (up to 10
// times, keeping the last) until the window holds at least two classes and none of them covers
// that share of the labelled pixels or more. Samples smaller than the window are padded (pixels 0,
// labels ignore), as Pad would.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { Rng } from "../rng.js";
import type { Transform } from "../types.js";
import { cropSample } from "./sampling.js";

export interface CropPlan {
  size: [number, number];
  ignore: number;
  /** [top, left] of the window over a width×height label map (drawing from rng). */
  place(label: Uint8Array, width: number, height: number, rng: Rng): [number, number];
}

export function cropPlan(o: Options): CropPlan {
  const where = "transform RandomCrop";
  const [ch, cw] = pair(o, "size", undefined, where);
  const catMaxRatio = num(o, "catMaxRatio", 1, where, [0, 1]);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return {
    size: [ch, cw],
    ignore,
    place(label, width, height, rng) {
      const pick = (): [number, number] => [rng.int(Math.max(height - ch, 0) + 1), rng.int(Math.max(width - cw, 0) + 1)];
      let [top, left] = pick();
      if (catMaxRatio < 1) {
        for (let attempt = 0; attempt < 10 && dominantShare(label, width, height, top, left, ch, cw, ignore) >= catMaxRatio; attempt++) [top, left] = pick();
      }
      return [top, left];
    },
  };
}

export function randomCrop(o: Options): Transform {
  const plan = cropPlan(o);
  return (s, rng) => cropSample(s, ...plan.place(s.label, s.width, s.height, rng), ...plan.size, 0, plan.ignore);
}

/** Largest class share in the window; 1 when it holds fewer than two classes (mmseg retries those). */
function dominantShare(label: Uint8Array, width: number, height: number, top: number, left: number, ch: number, cw: number, ignore: number): number {
  const counts = new Uint32Array(256);
  for (let y = top; y < Math.min(top + ch, height); y++) {
    for (let x = left; x < Math.min(left + cw, width); x++) counts[label[y * width + x]]++;
  }
  counts[ignore] = 0;
  let total = 0, max = 0, present = 0;
  for (const c of counts) {
    total += c;
    max = Math.max(max, c);
    if (c) present++;
  }
  return present > 1 ? max / total : 1;
}

register("transform", "random_crop", { formerly: ["RandomCrop"], options: ["size", "catMaxRatio", "ignoreIndex"], build: randomCrop, summary: "random window with a cap on the dominant class" });
