// Decoding images with sharp (libvips) into H×W×3 RGB bytes. Errors name the file (or what the
// bytes came from); truncated files are errors, not silently grey.
import sharp from "sharp";

export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export async function readRgbImage(file: string): Promise<RgbImage> {
  return decodeRgbImage(file, file);
}

/** A file path or encoded bytes as RGB; `name` says what it is in errors; libvips refuses images beyond `maxPixels`. */
export async function decodeRgbImage(input: string | Buffer, name: string, maxPixels?: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input, { failOn: "truncated", ...(maxPixels === undefined ? {} : { limitInputPixels: maxPixels }) })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new Error(`cannot decode image ${name}: ${(e as Error).message}`);
  }
}
