// A pipeline is a list of transform configs run in order. Transforms that fill labels take the
// dataset's ignore index unless the config sets one.
import { build, builderOf, type Config } from "../../config/registry.js";
import type { Rng } from "../rng.js";
import type { RawSample, Transform } from "../types.js";
import "./index.js";

export function buildPipeline(configs: Config[], ignoreIndex: number): Transform {
  const steps = configs.map((c, i) => {
    const where = `pipeline[${i}]`;
    const withIgnore = typeof c?.type === "string" && c.ignoreIndex === undefined && builderOf("transform", c.type).options.includes("ignoreIndex");
    try {
      return build<Transform>("transform", withIgnore ? { ...c, ignoreIndex } : c, where);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
    }
  });
  return (s: RawSample, rng: Rng) => steps.reduce((acc, step) => step(acc, rng), s);
}
