// Resize (mmseg Resize / RandomResize): to `scale` = [width, height], keeping the aspect ratio
// (fit inside, like mmseg keep_ratio) or not, optionally times a random ratio from `ratioRange`.
import { register } from "../../config/registry.js";
import { bool, pair, type Options } from "../options.js";
import type { Rng } from "../rng.js";
import type { RawSample, Transform } from "../types.js";
import { resizeSample } from "./sampling.js";

/** The output [width, height] for a sample (drawing the random ratio from rng). */
export type SizePlan = (s: RawSample, rng: Rng) => [number, number];

export function resizePlan(o: Options): SizePlan {
  const where = "transform Resize";
  const [scaleW, scaleH] = pair(o, "scale", undefined, where);
  const keepRatio = bool(o, "keepRatio", true, where);
  const ratioRange = o.ratioRange === undefined ? undefined : pair(o, "ratioRange", undefined, where);
  return (s, rng) => {
    const ratio = ratioRange ? rng.uniform(ratioRange[0], ratioRange[1]) : 1;
    const [tw, th] = [scaleW * ratio, scaleH * ratio];
    if (!keepRatio) return [Math.max(1, Math.round(tw)), Math.max(1, Math.round(th))];
    const factor = Math.min(Math.max(tw, th) / Math.max(s.width, s.height), Math.min(tw, th) / Math.min(s.width, s.height));
    return [Math.max(1, Math.round(s.width * factor)), Math.max(1, Math.round(s.height * factor))];
  };
}

export function resize(o: Options): Transform {
  const plan = resizePlan(o);
  return (s, rng) => resizeSample(s, ...plan(s, rng));
}

register("transform", "resize", { formerly: ["Resize"], options: ["scale", "keepRatio", "ratioRange"], build: resize, summary: "resize to a scale, optionally by a random ratio" });
