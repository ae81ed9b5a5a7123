// A pipeline is a list of transform configs run in order. Transforms that fill labels take the
// dataset's ignore index unless the config sets one. A Resize directly followed by a RandomCrop
// runs as one step that resamples only the kept window (same result, less work).
import { build, builderOf, type Config } from "../../config/registry.js";
import type { Rng } from "../rng.js";
import type { RawSample, Transform } from "../types.js";
import "./index.js";
import { resizeThenCrop } from "./resize-crop.js";

export function buildPipeline(configs: Config[], ignoreIndex: number): Transform {
  const withIgnore = configs.map((c) =>
    typeof c?.type === "string" && c.ignoreIndex === undefined && builderOf("transform", c.type).options.includes("ignoreIndex") ? { ...c, ignoreIndex } : c,
  );
  const steps = withIgnore.map((c, i) => {
    const where = `pipeline[${i}]`;
    try {
      return build<Transform>("transform", c, where);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
    }
  });
  const fused: Transform[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (withIgnore[i].type === "Resize" && withIgnore[i + 1]?.type === "RandomCrop") {
      const { type: _r, ...resizeOptions } = withIgnore[i];
      const { type: _c, ...cropOptions } = withIgnore[++i];
      fused.push(resizeThenCrop(resizeOptions, cropOptions));
    } else fused.push(steps[i]);
  }
  return (s: RawSample, rng: Rng) => fused.reduce((acc, step) => step(acc, rng), s);
}
