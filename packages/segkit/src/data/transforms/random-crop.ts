// RandomCrop (mmseg): a size = [height, width] window; with catMaxRatio < 1 it retries (up to 10
// times) until no single class covers more than that share of the labelled pixels. Samples smaller
// than the window are padded (pixels 0, labels ignore), as Pad would.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { RawSample, Transform } from "../types.js";
import { cropSample } from "./sampling.js";

export function randomCrop(o: Options): Transform {
  const where = "transform RandomCrop";
  const [ch, cw] = pair(o, "size", undefined, where);
  const catMaxRatio = num(o, "catMaxRatio", 1, where, [0, 1]);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return (s, rng) => {
    const pick = (): [number, number] => [rng.int(Math.max(s.height - ch, 0) + 1), rng.int(Math.max(s.width - cw, 0) + 1)];
    let [top, left] = pick();
    if (catMaxRatio < 1) {
      for (let attempt = 0; attempt < 10 && dominantShare(s, top, left, ch, cw, ignore) > catMaxRatio; attempt++) [top, left] = pick();
    }
    return cropSample(s, top, left, ch, cw, 0, ignore);
  };
}

/** Largest class share in the window; 0 when the window has a single class (mmseg accepts those). */
function dominantShare(s: RawSample, top: number, left: number, ch: number, cw: number, ignore: number): number {
  const counts = new Uint32Array(256);
  for (let y = top; y < Math.min(top + ch, s.height); y++) {
    for (let x = left; x < Math.min(left + cw, s.width); x++) counts[s.label[y * s.width + x]]++;
  }
  counts[ignore] = 0;
  let total = 0, max = 0, present = 0;
  for (const c of counts) {
    total += c;
    max = Math.max(max, c);
    if (c) present++;
  }
  return present > 1 ? max / total : 0;
}

register("transform", "RandomCrop", { options: ["size", "catMaxRatio", "ignoreIndex"], build: randomCrop, summary: "random window with a cap on the dominant class" });
