// PASCAL VOC 2012: ROOT/JPEGImages/X.jpg, ROOT/SegmentationClass/X.png (palette PNGs: the palette
// index is the class), ROOT/ImageSets/Segmentation/SPLIT.txt. 255 (the object boundary) is ignored.
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { pairByStem, readList } from "./files.js";
import { PairDataset } from "./pair-dataset.js";
import { vocColourMap } from "./palette.js";

export const VOC_CLASSES = [
  "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
  "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
];

export function voc(o: Options): PairDataset {
  const where = "dataset voc";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "train", where);
  const stems = readList(join(root, "ImageSets", "Segmentation", `${split}.txt`), where);
  const pairs = pairByStem(join(root, "JPEGImages"), join(root, "SegmentationClass"), where, stems);
  return new PairDataset({ format: "voc", pairs, classes: VOC_CLASSES, palette: vocColourMap(21), ignoreIndex: 255, skipBad: bool(o, "skipBad", false, where) });
}

register("dataset", "voc", { options: ["root", "split", "skipBad"], build: voc, summary: "PASCAL VOC 2012, 21 classes, palette PNGs" });
