// Reading COCO panoptic PNGs: 8-bit RGB images where each pixel's colour is its segment id,
// id = R + 256·G + 256²·B (panopticapi's rgb2id), 0 for unlabelled pixels. Other PNG modes are
// refused rather than decoded into ids they do not hold.
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { pngHeader } from "./label-png.js";

export interface PanopticIds {
  width: number;
  height: number;
  /** H×W segment ids. */
  ids: Int32Array;
}

export async function readPanopticPng(file: string): Promise<PanopticIds> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`cannot read panoptic PNG ${file}: ${(e as Error).message}`);
  }
  try {
    const { width, height, bitDepth, colourType } = pngHeader(bytes);
    if (colourType !== 2 || bitDepth !== 8) throw new Error(`segment ids are stored as 8-bit RGB, but this PNG has colour type ${colourType} at ${bitDepth} bits`);
    const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const ids = new Int32Array(width * height);
    for (let p = 0; p < ids.length; p++) ids[p] = data[3 * p] + 256 * data[3 * p + 1] + 65536 * data[3 * p + 2];
    return { width, height, ids };
  } catch (e) {
    throw new Error(`cannot decode panoptic PNG ${file}: ${(e as Error).message}`);
  }
}
