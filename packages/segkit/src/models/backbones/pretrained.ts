// A backbone config's `pretrained: PATH` (safetensors or .pth; relative to the config file's folder)
// and optional `pretrainedMap: NAME` (a registered key map). A whole segmentor's checkpoint gives its
// "backbone." part, as mmsegmentation's Pretrained init with a prefix does. Every backbone weight must
// come from the file (a missing key or a shape from another variant is an error naming both); keys
// the backbone has no use for (a classifier) are reported in a warning.
import { disposeStates, loadWeights, type Tensor } from "@segkit/torch";
import { keyMapNamed } from "../key-maps/key-map.js";
import type { Backbone } from "./backbone.js";

export const PRETRAINED_OPTIONS = ["pretrained", "pretrainedMap"] as const;

const PREFIX = "backbone.";

function backbonePart(tensors: Map<string, Tensor>): Map<string, Tensor> {
  if (![...tensors.keys()].some((k) => k.startsWith(PREFIX))) return tensors;
  return new Map([...tensors].filter(([k]) => k.startsWith(PREFIX)).map(([k, t]) => [k.slice(PREFIX.length), t]));
}

/** Loads `options.pretrained` into `backbone` when given; returns the backbone. */
export function withPretrained<B extends Backbone>(backbone: B, options: Record<string, unknown>, where: string): B {
  const { pretrained: path, pretrainedMap } = options;
  if (path === undefined) {
    if (pretrainedMap !== undefined) throw new Error(`${where}: pretrainedMap needs pretrained (the weights file)`);
    return backbone;
  }
  if (typeof path !== "string" || path === "") throw new Error(`${where}: pretrained must be a path to a .safetensors or .pth file, got ${JSON.stringify(path)}`);
  if (pretrainedMap !== undefined && typeof pretrainedMap !== "string") throw new Error(`${where}: pretrainedMap must name a key map, got ${JSON.stringify(pretrainedMap)}`);
  const keyMap = pretrainedMap === undefined ? undefined : keyMapNamed(pretrainedMap, `${where}.pretrainedMap`);
  const { tensors } = loadWeights(path);
  let converted = tensors;
  try {
    if (keyMap) converted = keyMap(tensors, path);
    const weights = backbonePart(converted);
    const { missingKeys, unexpectedKeys, mismatchedKeys } = backbone.loadStateDict(weights, { strict: false });
    const own = backbone.stateDict();
    const problems = [
      ...mismatchedKeys.slice(0, 1).map((k) => `shape mismatch for ${k}: checkpoint [${weights.get(k)!.shape}], backbone [${own.get(k)!.shape}]` +
        (mismatchedKeys.length > 1 ? ` (and ${mismatchedKeys.length - 1} more)` : "")),
      ...(missingKeys.length > 0 ? [`missing keys: ${missingKeys.join(", ")}`] : []),
    ];
    if (problems.length > 0) throw new Error(`${where}: pretrained ${path}: ${problems.join("; ")}${pretrainedMap ? "" : " (does it need a pretrainedMap?)"}`);
    if (unexpectedKeys.length > 0) {
      process.emitWarning(`${where}: pretrained ${path}: keys the backbone does not use: ${unexpectedKeys.join(", ")}`, { code: "SEGKIT_PRETRAINED_UNUSED" });
    }
  } catch (e) {
    backbone.dispose();
    throw e;
  } finally {
    disposeStates(tensors, converted);
  }
  return backbone;
}
