// A volume pipeline is a list of volume transform configs ({ type, ...options }, kind
// "volume_transform") run in order, the 3D counterpart of the image pipeline (../transforms/pipeline.ts).
import { build, type Config } from "../../config/registry.js";
import type { VolumeTransform } from "./types.js";
import "./volume-geometry.js";
import "./volume-normalize.js";

/** Builds `configs` in order; every error names its step as `where[i]`. */
export function buildVolumePipeline(configs: Config[], where = "pipeline"): VolumeTransform {
  if (!Array.isArray(configs)) throw new Error(`${where}: expected an array of volume transform configs, got ${JSON.stringify(configs)}`);
  const steps = configs.map((c, i) => {
    const step = `${where}[${i}]`;
    try {
      return build<VolumeTransform>("volume_transform", c, step);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(step) ? message : `${step}: ${message}`);
    }
  });
  return (s, rng) => steps.reduce((acc, step) => step(acc, rng), s);
}
