/**
 * Writing label maps as PNG files whose stored values are the class ids, as PASCAL VOC and
 * mmsegmentation do: an 8-bit palette PNG (index = class id, the palette gives each class its
 * colour) for up to 256 classes, 16-bit grayscale beyond. sharp writes palette PNGs only by
 * quantizing, which picks its own indices, so the few chunks are written here.
 */
import { crc32, deflateSync } from "node:zlib";
import { writeFileAtomic } from "@segkit/torch";
import type { Rgb } from "../data/types.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** IHDR: size, bit depth, colour type (0 grey, 3 palette); deflate, adaptive filtering, no interlace. */
function header(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, colourType, 0, 0, 0], 8);
  return data;
}

/** Rows of `bytesPerPixel`-byte samples, each after a filter-type byte 0 (none). */
function scanlines(width: number, height: number, bytesPerPixel: number, put: (row: Buffer, x: number, index: number) => void): Buffer {
  const stride = 1 + width * bytesPerPixel;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * stride + 1, (y + 1) * stride);
    for (let x = 0; x < width; x++) put(row, x, y * width + x);
  }
  return raw;
}

/** 256 greys: with it, an 8-bit map of values (not classes) is stored as is and viewed as a grey image. */
export const GREY_PALETTE: readonly Rgb[] = Array.from({ length: 256 }, (_, i) => [i, i, i]);

/**
 * The PNG bytes of a width×height map of class ids with one palette colour per class: palette
 * (8-bit indices) for up to 256 classes, 16-bit grayscale beyond (which has no colours).
 */
export function encodeLabelPng(labels: Uint8Array | Uint16Array, width: number, height: number, palette: readonly Rgb[]): Buffer {
  if (labels.length !== width * height) throw new RangeError(`encodeLabelPng: ${labels.length} labels for a ${width}×${height} image`);
  if (palette.length > 65536) throw new RangeError(`encodeLabelPng: ${palette.length} classes do not fit 16 bits`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= palette.length) throw new RangeError(`encodeLabelPng: pixel ${i} has class ${labels[i]}, but there are ${palette.length} classes`);
  }
  const parts: Buffer[] = [SIGNATURE];
  if (palette.length <= 256) {
    parts.push(chunk("IHDR", header(width, height, 8, 3)), chunk("PLTE", Buffer.from(palette.flat())));
    parts.push(chunk("IDAT", deflateSync(scanlines(width, height, 1, (row, x, i) => (row[x] = labels[i])))));
  } else {
    parts.push(chunk("IHDR", header(width, height, 16, 0)));
    parts.push(chunk("IDAT", deflateSync(scanlines(width, height, 2, (row, x, i) => row.writeUInt16BE(labels[i], 2 * x)))));
  }
  parts.push(chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** Writes encodeLabelPng's bytes to `path` atomically. */
export function writeLabelPng(path: string, labels: Uint8Array | Uint16Array, width: number, height: number, palette: readonly Rgb[]): void {
  writeFileAtomic(path, encodeLabelPng(labels, width, height, palette));
}
