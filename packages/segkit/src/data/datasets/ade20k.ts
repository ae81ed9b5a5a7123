// ADE20K (SceneParsing ADEChallengeData2016): ROOT/images/{training,validation}/X.jpg with
// ROOT/annotations/{training,validation}/X.png. reduce-zero-label: stored 0 ("other") is ignored
// (255) and v = 1..150 becomes class v − 1.
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { pairByStem } from "./files.js";
import { PairDataset, reduceZeroLut } from "./pair-dataset.js";
import { vocColourMap } from "./palette.js";

export const ADE20K_CLASSES = [
  "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass", "cabinet", "sidewalk",
  "person", "earth", "door", "table", "mountain", "plant", "curtain", "chair", "car", "water", "painting", "sofa",
  "shelf", "house", "sea", "mirror", "rug", "field", "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp",
  "bathtub", "railing", "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink",
  "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs", "runway", "case", "pool table", "pillow",
  "screen door", "stairway", "river", "bridge", "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill",
  "bench", "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine",
  "hovel", "bus", "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth",
  "television receiver", "airplane", "dirt track", "apparel", "pole", "land", "bannister", "escalator", "ottoman",
  "bottle", "buffet", "poster", "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything",
  "swimming pool", "stool", "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball", "food",
  "step", "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher", "screen", "blanket",
  "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan", "pier", "crt screen", "plate",
  "monitor", "bulletin board", "shower", "radiator", "glass", "clock", "flag",
];

export function ade20k(o: Options): PairDataset {
  const where = "dataset ade20k";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "training", where);
  const pairs = pairByStem(join(root, "images", split), join(root, "annotations", split), where);
  return new PairDataset({ format: "ade20k", pairs, classes: ADE20K_CLASSES, palette: vocColourMap(151).slice(1), ignoreIndex: 255, lut: reduceZeroLut(150), skipBad: bool(o, "skipBad", false, where) });
}

register("dataset", "ade20k", { options: ["root", "split", "skipBad"], build: ade20k, summary: "ADE20K, 150 classes, reduce-zero-label" });
