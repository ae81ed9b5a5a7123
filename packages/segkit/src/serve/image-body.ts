// The image a client sends, checked before any pixel is decoded: the declared content type must be
// one we decode and must agree with the bytes' signature (415 otherwise), the header's size must be
// within the pixel limit (413: read by sharp from the header alone), and a body that then fails to
// decode is a 400 naming the cause. Nothing from the request reaches a file path: bytes only.
import sharp from "sharp";
import { decodeRgbImage, type RgbImage } from "../data/image-file.js";
import { pngHeader } from "../io/label-png.js";
import { HttpError } from "./http-error.js";

/** The image types accepted as a raw body or a multipart file, by their signatures. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/tiff"] as const;
/** A raw body of this type is sniffed: it may be any of IMAGE_TYPES. */
export const SNIFFED_TYPE = "application/octet-stream";

/** The image type the bytes' signature says, or null. */
export function sniffImageType(bytes: Uint8Array): (typeof IMAGE_TYPES)[number] | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x52, 0x49, 0x46, 0x46) && Buffer.from(bytes.subarray(8, 12)).toString("latin1") === "WEBP") return "image/webp";
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return "image/tiff";
  return null;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** Decodes an uploaded image to RGB after the type and size checks; `maxPixels` bounds width × height. */
export async function decodeUpload(bytes: Buffer, contentType: string | undefined, maxPixels: number): Promise<RgbImage> {
  const declared = mediaType(contentType);
  if (bytes.length === 0) throw new HttpError(400, "the request has no image: the body is empty");
  const actual = sniffImageType(bytes);
  if (declared !== SNIFFED_TYPE && !(IMAGE_TYPES as readonly string[]).includes(declared)) {
    throw new HttpError(415, `content type "${declared}" is not supported; send ${IMAGE_TYPES.join(", ")} or ${SNIFFED_TYPE}`);
  }
  if (actual === null) throw new HttpError(415, `the body (declared ${declared}) is none of ${IMAGE_TYPES.join(", ")} by its signature`);
  if (declared !== SNIFFED_TYPE && declared !== actual) throw new HttpError(415, `the body is declared ${declared} but its signature says ${actual}`);
  let size: { width?: number; height?: number };
  try {
    // A PNG's size is in its first chunk; libvips wants more of the file than that for its metadata.
    size = actual === "image/png" ? pngHeader(bytes) : await sharp(bytes).metadata();
  } catch (e) {
    throw new HttpError(400, `cannot read the ${actual} header: ${(e as Error).message}`);
  }
  const { width = 0, height = 0 } = size;
  if (width < 1 || height < 1) throw new HttpError(400, `the ${actual} header gives no size`);
  if (width * height > maxPixels) {
    throw new HttpError(413, `the image is ${width}×${height} = ${width * height} pixels; the limit is ${maxPixels} (--max-pixels)`);
  }
  try {
    return await decodeRgbImage(bytes, `(${actual} upload)`, maxPixels);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}
