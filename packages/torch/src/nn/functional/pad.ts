// pad (F.pad): `pad` lists [before, after] pairs starting from the last dimension.
import type { Tensor } from "../../tensor.js";
import { pad as atenPad } from "../../generated/ops.js";

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

export function pad(input: Tensor, padding: number[], mode: PadMode = "constant", value = 0): Tensor {
  if (padding.length % 2 !== 0 || padding.length / 2 > input.ndim) {
    throw new RangeError(`pad: expected pairs of paddings for at most ${input.ndim} dimensions, got [${padding}]`);
  }
  return atenPad(input, padding, mode, mode === "constant" ? value : null);
}
