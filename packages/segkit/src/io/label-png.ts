/**
 * Reading label maps from PNG files. A class id is the value stored in the file, whatever its
 * bit depth: grey PNGs of 1, 2, 4, 8 and 16 bits give their stored values (1-bit: 0/1), grey+alpha
 * the grey value (alpha ignored), palette PNGs of any depth (as PASCAL VOC ships them) the palette
 * index. That is PIL's `np.array(Image.open(f))` except for 2- and 4-bit grey, which PIL scales to
 * 0–255 (×85, ×17), and 16-bit grey+alpha, which PIL turns into 8-bit RGBA
 * (test/fixtures/label_png_modes.py records what PIL reads). RGB and RGBA PNGs are refused.
 * Errors name the file and, for a refused mode, the mode.
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

// What the IHDR chunk says: read from the bytes, so that decoding takes one pass through sharp (and
// so that the server can check an upload's size before libvips reads any more of it).
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA (PNG spec). */
  colourType: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngHeader(bytes: Buffer): PngHeader {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString("latin1", 12, 16) !== "IHDR") {
    throw new Error("it is not a PNG file");
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24], colourType: bytes[25] };
}

const COLOUR_CHANNELS: Record<number, number> = { 2: 3, 6: 4 };
const MODE_NAMES: Record<number, string> = { 0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA" };

async function decode(bytes: Buffer): Promise<Omit<LabelImage, "file">> {
  const { width, height, bitDepth, colourType } = pngHeader(bytes);
  if (colourType === 3) {
    // sharp expands palettes to colours; map each colour back to its index.
    const { data } = await sharp(bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
    return { width, height, data: paletteIndices(data, readPalette(bytes)) };
  }
  if (colourType !== 0 && colourType !== 4) {
    const mode = `${MODE_NAMES[colourType] ?? `colour type ${colourType}`} ${bitDepth}-bit`;
    throw new Error(`it has ${COLOUR_CHANNELS[colourType] ?? "several"} colour channels; label maps must be grayscale or palette PNGs (this one is ${mode})`);
  }
  // Channel 0 is the grey value; a grey+alpha PNG's alpha is not part of the label.
  if (bitDepth === 16) {
    const { data } = await sharp(bytes).toColourspace("grey16").extractChannel(0).raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
    return { width, height, data: new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) };
  }
  const { data } = await sharp(bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  // A fresh buffer is 4-byte aligned, which the metrics' word-at-a-time counting needs.
  const values = new Uint8Array(data);
  return { width, height, data: bitDepth < 8 ? unscale(values, bitDepth) : values };
}

/** 1-, 2- and 4-bit grey come out of the decoder scaled to 0–255 (v × 255/(2^d − 1)): the stored values back. */
function unscale(values: Uint8Array, bitDepth: number): Uint8Array {
  const step = 255 / (2 ** bitDepth - 1);
  for (let i = 0; i < values.length; i++) {
    const stored = values[i] / step;
    if (!Number.isInteger(stored)) throw new Error(`pixel ${i} decoded to ${values[i]}, which is no ${bitDepth}-bit grey value scaled to 8 bits`);
    values[i] = stored;
  }
  return values;
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
