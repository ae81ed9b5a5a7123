// Reads the zip archives torch.save writes. torch.save stores entries uncompressed (method 0);
// node:zlib covers the deflated entries other zip tools may produce, so no npm zip dependency is needed
// (fflate/yauzl would add a package for two record layouts we parse in a few lines).
import { inflateRawSync } from "node:zlib";

export interface ZipArchive {
  /** Entry names in archive order. */
  names: string[];
  /** The bytes of one entry; throws naming the file and entry when it is absent or damaged. */
  read(name: string): Uint8Array;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

interface Entry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** True when the bytes start like a zip archive (torch.save's default format). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Indexes a zip archive held in memory; `source` names the file in errors. */
export function openZip(bytes: Uint8Array, source: string): ZipArchive {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === END_OF_CENTRAL_DIRECTORY) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("not a complete zip archive (no end-of-central-directory record; truncated?)");
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (directoryOffset === 0xffffffff || count === 0xffff) fail("zip64 archives (over 4 GB) are not implemented");
  if (directoryOffset + directorySize > eocd) fail("zip central directory lies outside the file");
  const entries = new Map<string, Entry>();
  const names: string[] = [];
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_FILE_HEADER) fail(`zip central directory entry ${i} is damaged`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > eocd) fail(`zip central directory entry ${i} is damaged`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    entries.set(name, {
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    });
    names.push(name);
    at += 46 + nameLength + extraLength + commentLength;
  }
  const read = (name: string): Uint8Array => {
    const entry = entries.get(name) ?? fail(`zip entry "${name}" is missing`);
    const local = entry.localOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_FILE_HEADER) fail(`zip entry "${name}" has a damaged local header`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + entry.compressedSize > bytes.length) fail(`zip entry "${name}" extends past the end of the file (truncated?)`);
    const stored = bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return stored;
    if (entry.method !== 8) fail(`zip entry "${name}" uses compression method ${entry.method}; only stored and deflate are supported`);
    try {
      const inflated = inflateRawSync(stored);
      if (inflated.length !== entry.size) fail(`zip entry "${name}" inflates to ${inflated.length} bytes, the directory says ${entry.size}`);
      return inflated;
    } catch (e) {
      return fail(`zip entry "${name}" does not inflate (${(e as Error).message})`);
    }
  };
  return { names, read };
}
