// `segkit convert`: weights from one file format to the other (safetensors ↔ .pth), the state dict
// taken out of an mmseg/mmengine {state_dict, meta} or {model} wrapper, keys renamed by a key map.
import { disposeStates, formatOfPath, loadWeights, saveWeights } from "@segkit/torch";
import { keyMapNamed } from "../models/key-maps/key-map.js";
import "../models/index.js";

export interface ConvertSummary {
  tensors: number;
  /** How many keys the map changed. */
  renamed: number;
}

/** Converts `input` to `output` (its format from its extension), written atomically. */
export function convertWeights(input: string, output: string, mapName?: string): ConvertSummary {
  formatOfPath(output);
  const keyMap = mapName === undefined ? undefined : keyMapNamed(mapName, "--map");
  const { tensors } = loadWeights(input);
  let out = tensors;
  try {
    if (keyMap) out = keyMap(tensors, input);
    saveWeights(output, out);
    const before = [...tensors.keys()];
    return { tensors: out.size, renamed: [...out.keys()].filter((k, i) => k !== before[i]).length };
  } finally {
    disposeStates(tensors, out);
  }
}
