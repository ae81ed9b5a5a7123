// A generic folder: ROOT/images/X.{png,jpg,...} with ROOT/masks/X.png (8-bit class indices or
// palette PNGs), optional ROOT/splits/SPLIT.txt listing stems, and ROOT/classes.json:
// { "classes": [...], "palette"?: [[r,g,b], ...], "ignoreIndex"?: 255 }.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import type { Rgb } from "../types.js";
import { pairByStem, readList } from "./files.js";
import { PairDataset } from "./pair-dataset.js";
import { vocColourMap } from "./palette.js";

interface ClassesFile {
  classes: string[];
  palette?: Rgb[];
  ignoreIndex?: number;
}

export function readClassesFile(file: string): ClassesFile {
  let parsed: ClassesFile;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as ClassesFile;
  } catch (e) {
    throw new Error(`cannot read class file ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed.classes) || parsed.classes.length === 0 || !parsed.classes.every((c) => typeof c === "string")) {
    throw new Error(`class file ${file}: "classes" must be a non-empty list of names`);
  }
  if (parsed.palette !== undefined && (!Array.isArray(parsed.palette) || parsed.palette.length !== parsed.classes.length)) {
    throw new Error(`class file ${file}: "palette" must have one [r, g, b] per class (${parsed.classes.length})`);
  }
  // Label maps travel through the data pipeline as bytes (RawSample.label): wider ids would wrap.
  if (parsed.classes.length > 256) {
    throw new Error(`class file ${file}: ${parsed.classes.length} classes; segkit's data pipeline holds class ids 0..255 (at most 256 classes)`);
  }
  if (parsed.ignoreIndex !== undefined && !(Number.isInteger(parsed.ignoreIndex) && parsed.ignoreIndex >= 0 && parsed.ignoreIndex <= 255)) {
    throw new Error(`class file ${file}: "ignoreIndex" ${JSON.stringify(parsed.ignoreIndex)} must be an integer 0..255 (segkit's data pipeline holds label values as bytes)`);
  }
  return parsed;
}

export function folder(o: Options): PairDataset {
  const where = "dataset folder";
  const root = str(o, "root", "", where);
  const split = o.split === undefined ? undefined : str(o, "split", "", where);
  const { classes, palette, ignoreIndex = 255 } = readClassesFile(join(root, "classes.json"));
  const splitFile = split && join(root, "splits", `${split}.txt`);
  if (splitFile && !existsSync(splitFile)) throw new Error(`${where}: split list ${splitFile} does not exist`);
  const stems = splitFile ? readList(splitFile, where) : undefined;
  const pairs = pairByStem(join(root, "images"), join(root, "masks"), where, stems);
  return new PairDataset({ format: "folder", pairs, classes, palette: palette ?? vocColourMap(classes.length), ignoreIndex, skipBad: bool(o, "skipBad", false, where) });
}

register("dataset", "folder", { options: ["root", "split", "skipBad"], build: folder, summary: "images/ + masks/ + classes.json (+ splits/)" });
