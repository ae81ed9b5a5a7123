// Pad to at least `size` = [height, width] or up to a multiple of `divisor`, at the bottom and
// right (mmseg Pad); pixels get `value`, labels the ignore index.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import type { Transform } from "../types.js";
import { cropSample } from "./sampling.js";

export function pad(o: Options): Transform {
  const where = "transform Pad";
  const size = o.size === undefined ? undefined : pair(o, "size", undefined, where);
  const divisor = o.divisor === undefined ? undefined : num(o, "divisor", 1, where, [1, 4096]);
  if (!size && !divisor) throw new Error(`${where}: give "size" or "divisor"`);
  const value = num(o, "value", 0, where);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return (s) => {
    let [h, w] = size ? [Math.max(size[0], s.height), Math.max(size[1], s.width)] : [s.height, s.width];
    if (divisor) [h, w] = [Math.ceil(h / divisor) * divisor, Math.ceil(w / divisor) * divisor];
    return h === s.height && w === s.width ? s : cropSample(s, 0, 0, h, w, value, ignore);
  };
}

register("transform", "pad", { formerly: ["Pad"], options: ["size", "divisor", "value", "ignoreIndex"], build: pad, summary: "pad to a size or a multiple (labels: ignore)" });
