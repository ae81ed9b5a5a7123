// COCO-Stuff 164k: ROOT/images/{train2017,val2017}/X.jpg with ROOT/annotations/SPLIT/X.png as
// distributed (stuffthingmaps: 0-based COCO ids 0–181, 255 unlabelled). The 171 ids in use (80
// things, 91 stuff) map to contiguous classes 0–170; the 11 unused ids and 255 are ignored.
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { pairByStem } from "./files.js";
import { INVALID, PairDataset } from "./pair-dataset.js";
import { vocColourMap } from "./palette.js";

const THINGS = [
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant",
  "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
  "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
  "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork",
  "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
  "cake", "chair", "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
  "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
  "teddy bear", "hair drier", "toothbrush",
];
const STUFF = [
  "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage", "cardboard", "carpet",
  "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter", "cupboard", "curtain", "desk-stuff", "dirt",
  "door-stuff", "fence", "floor-marble", "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog",
  "food-other", "fruit", "furniture-other", "grass", "gravel", "ground-other", "hill", "house", "leaves", "light", "mat",
  "metal", "mirror-stuff", "moss", "mountain", "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other",
  "plastic", "platform", "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand",
  "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw", "structural-other",
  "table", "tent", "textile-other", "towel", "tree", "vegetable", "wall-brick", "wall-concrete", "wall-other",
  "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind", "window-other", "wood",
];
export const COCO_STUFF_CLASSES = [...THINGS, ...STUFF];
/** 0-based COCO ids that no class uses (gaps in the thing ids, and id 90). */
const UNUSED = [11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90];

export function cocoStuffLut(): Int16Array {
  const lut = new Int16Array(256).fill(INVALID);
  let next = 0;
  for (let id = 0; id <= 181; id++) lut[id] = UNUSED.includes(id) ? 255 : next++;
  lut[255] = 255;
  return lut;
}

export function cocoStuff(o: Options): PairDataset {
  const where = "dataset coco-stuff";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "train2017", where);
  const pairs = pairByStem(join(root, "images", split), join(root, "annotations", split), where);
  return new PairDataset({
    format: "coco-stuff", pairs, classes: COCO_STUFF_CLASSES, palette: vocColourMap(171), ignoreIndex: 255,
    lut: cocoStuffLut(), skipBad: bool(o, "skipBad", false, where),
  });
}

register("dataset", "coco_stuff", { formerly: ["coco-stuff"], options: ["root", "split", "skipBad"], build: cocoStuff, summary: "COCO-Stuff 164k, 171 classes" });
