// PASCAL Context, 59 classes (mmsegmentation's converted layout): ROOT/JPEGImages/X.jpg,
// ROOT/SegmentationClassContext/X.png (0 = background, 1..59 classes), split lists in
// ROOT/ImageSets/SegmentationContext/SPLIT.txt. Like mmseg's PascalContextDataset59, background is
// ignored (reduce-zero-label).
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { pairByStem, readList } from "./files.js";
import { PairDataset, reduceZeroLut } from "./pair-dataset.js";
import { vocColourMap } from "./palette.js";

export const PASCAL_CONTEXT_CLASSES = [
  "aeroplane", "bag", "bed", "bedclothes", "bench", "bicycle", "bird", "boat", "book", "bottle", "building", "bus",
  "cabinet", "car", "cat", "ceiling", "chair", "cloth", "computer", "cow", "cup", "curtain", "dog", "door", "fence",
  "floor", "flower", "food", "grass", "ground", "horse", "keyboard", "light", "motorbike", "mountain", "mouse",
  "person", "plate", "platform", "pottedplant", "road", "rock", "sheep", "shelves", "sidewalk", "sign", "sky", "snow",
  "sofa", "table", "track", "train", "tree", "truck", "tvmonitor", "wall", "water", "window", "wood",
];

export function pascalContext(o: Options): PairDataset {
  const where = "dataset pascal-context";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "train", where);
  const stems = readList(join(root, "ImageSets", "SegmentationContext", `${split}.txt`), where);
  const pairs = pairByStem(join(root, "JPEGImages"), join(root, "SegmentationClassContext"), where, stems);
  return new PairDataset({
    format: "pascal-context", pairs, classes: PASCAL_CONTEXT_CLASSES, palette: vocColourMap(60).slice(1), ignoreIndex: 255,
    lut: reduceZeroLut(59), skipBad: bool(o, "skipBad", false, where),
  });
}

register("dataset", "pascal_context", { formerly: ["pascal-context"], options: ["root", "split", "skipBad"], build: pascalContext, summary: "PASCAL Context, 59 classes" });
