// Cityscapes: ROOT/leftImg8bit/SPLIT/CITY/X_leftImg8bit.png with ROOT/gtFine/SPLIT/CITY/X_gtFine_labelIds.png.
// The 34 labelIds map to the 19 evaluated trainIds; every other id is ignored (255).
import { join, relative } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { listFiles } from "./files.js";
import { INVALID, PairDataset, type FilePair } from "./pair-dataset.js";
import type { Rgb } from "../types.js";

export const CITYSCAPES_CLASSES = [
  "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation", "terrain",
  "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
];
export const CITYSCAPES_PALETTE: Rgb[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
  [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
  [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];
/** labelId of each trainId. */
const LABEL_IDS = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33];

export function cityscapesLut(): Int16Array {
  // Ids 0–33 are defined (-1 "license plate" is stored as 255 in some exports: ignore it too).
  const lut = new Int16Array(256).map((_, v) => (v <= 33 || v === 255 ? 255 : INVALID));
  LABEL_IDS.forEach((id, trainId) => (lut[id] = trainId));
  return lut;
}

/** Each ROOT/leftImg8bit/SPLIT/CITY/X_leftImg8bit.png with ROOT/gtFine/SPLIT/CITY/X_gtFine_{kind}.png. */
export function cityscapesPairs(o: Options, kind: "labelIds" | "instanceIds", where: string): FilePair[] {
  const root = str(o, "root", "", where);
  const split = str(o, "split", "train", where);
  const imageDir = join(root, "leftImg8bit", split);
  return listFiles(imageDir, [".png"], where, true)
    .filter((f) => f.endsWith("_leftImg8bit.png"))
    .map((image) => ({ image, label: join(root, "gtFine", split, relative(imageDir, image).replace(/_leftImg8bit\.png$/, `_gtFine_${kind}.png`)) }));
}

export function cityscapes(o: Options): PairDataset {
  const where = "dataset cityscapes";
  const pairs = cityscapesPairs(o, "labelIds", where);
  return new PairDataset({ format: "cityscapes", pairs, classes: CITYSCAPES_CLASSES, palette: CITYSCAPES_PALETTE, ignoreIndex: 255, lut: cityscapesLut(), skipBad: bool(o, "skipBad", false, where) });
}

register("dataset", "cityscapes", { options: ["root", "split", "skipBad"], build: cityscapes, summary: "Cityscapes fine labelIds → 19 trainIds" });
