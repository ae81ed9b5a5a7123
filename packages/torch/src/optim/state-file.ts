// Optimizer state dicts as safetensors content: state tensors under "optimizer.state.<index>.<key>", the
// numbers (step counts) and the parameter groups as JSON in the metadata. saveSafetensors/loadSafetensors
// write and read it; model weights and a scheduler's state (plain JSON) can share the file.
import { Tensor } from "../tensor.js";
import type { OptimizerStateDict, ParamState } from "./optimizer.js";

const GROUPS = "optimizer.param_groups";
const NUMBERS = "optimizer.state_numbers";
const TENSOR_KEY = /^optimizer\.state\.(\d+)\.(.+)$/;

export function optimizerStateToSafetensors(sd: OptimizerStateDict): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const tensors = new Map<string, Tensor>();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [i, s] of sd.state) {
    numbers[i] = {};
    for (const [key, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors.set(`optimizer.state.${i}.${key}`, v);
      else numbers[i][key] = v;
    }
  }
  return { tensors, metadata: { [GROUPS]: JSON.stringify(sd.paramGroups), [NUMBERS]: JSON.stringify(numbers) } };
}

/** The state dict back from safetensors content; tensors of other names are ignored (`file` names the source in errors). */
export function optimizerStateFromSafetensors({ tensors, metadata }: { tensors: Map<string, Tensor>; metadata: Record<string, string> }, file = "safetensors data"): OptimizerStateDict {
  const parse = (key: string): unknown => {
    if (metadata[key] === undefined) throw new TypeError(`${file}: no '${key}' in the metadata: not an optimizer state`);
    try {
      return JSON.parse(metadata[key]);
    } catch (err) {
      throw new TypeError(`${file}: metadata '${key}' is not valid JSON (${(err as Error).message})`);
    }
  };
  const paramGroups = parse(GROUPS) as OptimizerStateDict["paramGroups"];
  if (!Array.isArray(paramGroups) || paramGroups.some((g) => !Array.isArray(g?.params))) {
    throw new TypeError(`${file}: metadata '${GROUPS}' must be an array of groups with params`);
  }
  const state = new Map<number, ParamState>();
  const entry = (i: number): ParamState => {
    if (!state.has(i)) state.set(i, {});
    return state.get(i)!;
  };
  for (const [i, s] of Object.entries(parse(NUMBERS) as Record<string, Record<string, number>>)) Object.assign(entry(Number(i)), s);
  for (const [name, t] of tensors) {
    const m = TENSOR_KEY.exec(name);
    if (m !== null) entry(Number(m[1]))[m[2]] = t;
  }
  return { state, paramGroups };
}
