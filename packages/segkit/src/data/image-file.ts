// Decoding images with sharp (libvips) into H×W×3 RGB bytes. Errors name the file; truncated
// files are errors, not silently grey.
import sharp from "sharp";

export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export async function readRgbImage(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file, { failOn: "truncated" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new Error(`cannot decode image ${file}: ${(e as Error).message}`);
  }
}
