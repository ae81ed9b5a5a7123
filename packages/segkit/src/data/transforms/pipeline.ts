// A pipeline is a list of transform configs run in order. Transforms that fill labels take the
// dataset's ignore index unless the config sets one. A Resize directly followed by a RandomCrop
// runs as one step that resamples only the kept window (same result, less work). A loader may take a
// trailing Normalize out of the pipeline and apply it while stacking the batch.
import { build, builderOf, currentName, type Config } from "../../config/registry.js";
import type { Rng } from "../rng.js";
import type { RawSample, Transform } from "../types.js";
import "./index.js";
import type { NormalizeTransform } from "./normalize.js";
import { resizeThenCrop } from "./resize-crop.js";

interface Steps {
  configs: Config[];
  steps: Transform[];
}

function buildSteps(configs: Config[], ignoreIndex: number): Steps {
  // Former names become current ones first: compose() recognises steps by name.
  const current = configs.map((c) => (typeof c?.type === "string" ? { ...c, type: currentName("transform", c.type) } : c));
  const withIgnore = current.map((c) =>
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
  return { configs: withIgnore, steps };
}

function compose({ configs, steps }: Steps): Transform {
  const fused: Transform[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (configs[i].type === "resize" && configs[i + 1]?.type === "random_crop") {
      const { type: _r, ...resizeOptions } = configs[i];
      const { type: _c, ...cropOptions } = configs[++i];
      fused.push(resizeThenCrop(resizeOptions, cropOptions));
    } else fused.push(steps[i]);
  }
  return (s: RawSample, rng: Rng) => fused.reduce((acc, step) => step(acc, rng), s);
}

export function buildPipeline(configs: Config[], ignoreIndex: number): Transform {
  return compose(buildSteps(configs, ignoreIndex));
}

/** The pipeline without a trailing Normalize, and that Normalize (null when there is none). */
export function buildPipelineDeferringNormalize(configs: Config[], ignoreIndex: number): { transform: Transform; normalize: NormalizeTransform | null } {
  const built = buildSteps(configs, ignoreIndex);
  if (built.configs.at(-1)?.type !== "normalize") return { transform: compose(built), normalize: null };
  const normalize = built.steps.at(-1) as NormalizeTransform;
  return { transform: compose({ configs: built.configs.slice(0, -1), steps: built.steps.slice(0, -1) }), normalize };
}
