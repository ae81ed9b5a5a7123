/** Writing H×W×3 RGB bytes (an overlay, a picture) as a PNG file, atomically. */
import sharp from "sharp";
import { writeFileAtomic } from "@segkit/torch";

export async function writeRgbPng(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  writeFileAtomic(path, await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer());
}
