// Binary masks (medical and portrait sets): ROOT/images/X.* with ROOT/masks/X.png where 0 is
// background and 255 foreground. Other values are errors unless `threshold` is given (values ≥ it
// are foreground), which suits masks that went through resampling or JPEG. 255 is the ignore index
// of the training labels (for padding), which the stored 255 never becomes.
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, num, str, type Options } from "../options.js";
import { pairByStem } from "./files.js";
import { INVALID, PairDataset } from "./pair-dataset.js";

export function binaryLut(threshold?: number): Int16Array {
  return new Int16Array(256).map((_, v) => (threshold !== undefined ? Number(v >= threshold) : v === 0 ? 0 : v === 255 ? 1 : INVALID));
}

export function binary(o: Options): PairDataset {
  const where = "dataset binary";
  const root = str(o, "root", "", where);
  const threshold = o.threshold === undefined ? undefined : num(o, "threshold", 128, where, [1, 255]);
  const pairs = pairByStem(join(root, "images"), join(root, "masks"), where);
  return new PairDataset({
    format: "binary", pairs, classes: ["background", "foreground"], palette: [[0, 0, 0], [255, 255, 255]], ignoreIndex: 255,
    lut: binaryLut(threshold), skipBad: bool(o, "skipBad", false, where),
  });
}

register("dataset", "binary", { options: ["root", "threshold", "skipBad"], build: binary, summary: "0/255 foreground masks" });
