// `test.postprocess` in configs: a list of refinements applied to each prediction at the image's
// size, in order — { "type": "crf", ...DenseCrfOptions } then { "type": "superpixels", ...SlicOptions }
// (the order they run in) — validated here with errors naming the entry and key.
import type { DenseCrfOptions, SlicOptions } from "@segkit/classic";
import { checkKeys, type Config } from "../config/registry.js";
import type { Refinement } from "./predict.js";

export const CRF_KEYS = ["iterations", "gaussian", "bilateral"];
export const SLIC_KEYS = ["nSegments", "compactness", "maxIterations", "sigma", "lab", "zero", "enforceConnectivity", "minSizeFactor", "maxSizeFactor"];

export function refinementFromConfig(list: readonly Config[], where: string): Refinement {
  if (!Array.isArray(list)) throw new Error(`${where} must be a list of { "type": "crf" | "superpixels", ... }`);
  const refinement: Refinement = {};
  list.forEach((entry, i) => {
    const at = `${where}[${i}]`;
    const { type, ...options } = entry;
    if (type === "crf") {
      if (refinement.crf || refinement.superpixels) throw new Error(`${at}: "crf" must come once and before "superpixels"`);
      checkKeys(options, CRF_KEYS, at);
      refinement.crf = options as DenseCrfOptions;
    } else if (type === "superpixels") {
      if (refinement.superpixels) throw new Error(`${at}: "superpixels" may come once`);
      checkKeys(options, SLIC_KEYS, at);
      refinement.superpixels = options as SlicOptions;
    } else {
      throw new Error(`${at}: unknown type ${JSON.stringify(type)}; types: crf, superpixels`);
    }
  });
  return refinement;
}
