/**
 * Reading label maps from PNG files: 8- and 16-bit grayscale give the stored values, palette
 * PNGs (as PASCAL VOC ships them) give palette indices, like PIL's `np.array(Image.open(f))`.
 * Errors name the file.
 */
import { readFile } from "node:fs/promises";
import sharp from "sharp";

export interface LabelImage {
  file: string;
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
}

export async function readLabelPng(file: string): Promise<LabelImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`cannot read label map ${file}: ${(e as Error).message}`);
  }
  try {
    return { file, ...(await decode(bytes)) };
  } catch (e) {
    throw new Error(`cannot decode label map ${file}: ${(e as Error).message}`);
  }
}

// What the IHDR chunk says: read from the bytes, so that decoding takes one pass through sharp.
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA (PNG spec). */
  colourType: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngHeader(bytes: Buffer): PngHeader {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString("latin1", 12, 16) !== "IHDR") {
    throw new Error("it is not a PNG file");
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24], colourType: bytes[25] };
}

const COLOUR_CHANNELS: Record<number, number> = { 2: 3, 6: 4 };

async function decode(bytes: Buffer): Promise<Omit<LabelImage, "file">> {
  const { width, height, bitDepth, colourType } = pngHeader(bytes);
  if (colourType === 3) {
    // sharp expands palettes to colours; map each colour back to its index.
    const { data } = await sharp(bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
    return { width, height, data: paletteIndices(data, readPalette(bytes)) };
  }
  if (colourType !== 0 && colourType !== 4) {
    throw new Error(`it has ${COLOUR_CHANNELS[colourType] ?? "several"} colour channels; label maps must be grayscale or palette PNGs`);
  }
  if (bitDepth === 16) {
    const { data } = await sharp(bytes).toColourspace("grey16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
    return { width, height, data: new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) };
  }
  const { data } = await sharp(bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  // A fresh buffer is 4-byte aligned, which the metrics' word-at-a-time counting needs.
  return { width, height, data: new Uint8Array(data) };
}

/** The PLTE chunk as packed RGB → index. */
function readPalette(png: Buffer): Map<number, number> {
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    if (type === "PLTE") {
      const colours = new Map<number, number>();
      for (let i = 0; i < length / 3; i++) {
        const o = at + 8 + 3 * i;
        const rgb = (png[o] << 16) | (png[o + 1] << 8) | png[o + 2];
        // A repeated colour hides which index a pixel had: -1, an error only where it is used.
        colours.set(rgb, colours.has(rgb) ? -1 : i);
      }
      return colours;
    }
    at += 12 + length;
  }
  throw new Error("it is a palette PNG without a PLTE chunk");
}

function paletteIndices(rgb: Buffer, palette: Map<number, number>): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    const colour = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
    const index = palette.get(colour);
    if (index === undefined || index < 0) {
      const hex = colour.toString(16).padStart(6, "0");
      throw new Error(`pixel ${i} has colour #${hex}, which ${index === undefined ? "is not in" : "appears twice in"} the palette`);
    }
    out[i] = index;
  }
  return out;
}
