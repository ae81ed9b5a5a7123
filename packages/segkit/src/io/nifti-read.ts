/**
 * Reading NIfTI-1 volumes (.nii, .nii.gz) with nifti-reader-js, which parses the header; this file
 * checks what the header promises against the bytes there are, so that a corrupt or truncated file
 * gives an error naming it instead of garbage.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { NIFTI1, isCompressed, isNIFTI1, isNIFTI2, readHeader } from "nifti-reader-js";
import { NIFTI_DATA_TYPES, type NiftiDataType, type Vec3, type Volume } from "./nifti-volume.js";

function dataTypeOf(code: number, file: string): NiftiDataType {
  for (const [name, info] of Object.entries(NIFTI_DATA_TYPES)) if (info.code === code) return name as NiftiDataType;
  const known = Object.entries(NIFTI_DATA_TYPES).map(([name, info]) => `${name} (${info.code})`).join(", ");
  throw new Error(`${file}: NIfTI datatype ${code} is not supported (supported: ${known})`);
}

/** The voxel bytes as a typed array, copied so that alignment and endianness are the platform's. */
function voxels(bytes: Uint8Array, dataType: NiftiDataType, count: number, littleEndian: boolean) {
  const info = NIFTI_DATA_TYPES[dataType];
  const out = info.make(count);
  const size = info.bits / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const read: Record<NiftiDataType, (i: number) => number> = {
    uint8: (i) => view.getUint8(i),
    int8: (i) => view.getInt8(i),
    int16: (i) => view.getInt16(i * 2, littleEndian),
    uint16: (i) => view.getUint16(i * 2, littleEndian),
    int32: (i) => view.getInt32(i * 4, littleEndian),
    float32: (i) => view.getFloat32(i * 4, littleEndian),
    float64: (i) => view.getFloat64(i * 8, littleEndian),
  };
  const get = read[dataType];
  for (let i = 0; i < count; i++) out[i] = get(i);
  return out;
}

/** Parses NIfTI-1 bytes (gzipped or not); `file` names the source in errors. */
export function decodeNifti(raw: Uint8Array, file: string): Volume {
  const copy = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  let buffer = copy;
  if (isCompressed(copy)) {
    try {
      const inflated = gunzipSync(raw);
      buffer = inflated.buffer.slice(inflated.byteOffset, inflated.byteOffset + inflated.byteLength) as ArrayBuffer;
    } catch (e) {
      throw new Error(`${file}: not a valid gzip stream (${(e as Error).message})`);
    }
  }
  if (buffer.byteLength < 348) throw new Error(`${file}: ${buffer.byteLength} bytes, shorter than a NIfTI-1 header (348)`);
  if (isNIFTI2(buffer)) throw new Error(`${file}: NIfTI-2 files are not supported, only NIfTI-1`);
  if (!isNIFTI1(buffer)) throw new Error(`${file}: not a NIfTI-1 file (no "n+1" magic)`);
  const header = readHeader(buffer);
  if (!(header instanceof NIFTI1)) throw new Error(`${file}: not a NIfTI-1 header`);
  const rank = header.dims[0];
  const extra = header.dims.slice(4, rank + 1);
  if (rank < 1 || rank > 7 || extra.some((d) => d !== 1)) {
    throw new Error(`${file}: a ${rank}-dimensional image [${header.dims.slice(1, rank + 1).join(", ")}]; only 3D volumes (or 1–2D, or 4D with one time point) are read`);
  }
  const shape = [1, 2, 3].map((i) => (i <= rank ? header.dims[i] : 1)) as Vec3;
  if (shape.some((d) => !(d >= 1))) throw new Error(`${file}: invalid dimensions [${shape.join(", ")}]`);
  const dataType = dataTypeOf(header.datatypeCode, file);
  if (header.numBitsPerVoxel !== NIFTI_DATA_TYPES[dataType].bits) {
    throw new Error(`${file}: bitpix ${header.numBitsPerVoxel} does not match datatype ${dataType}`);
  }
  const count = shape[0] * shape[1] * shape[2];
  const offset = header.vox_offset;
  const needed = offset + (count * NIFTI_DATA_TYPES[dataType].bits) / 8;
  if (!(offset >= 348) || buffer.byteLength < needed) {
    throw new Error(`${file}: truncated: the header promises ${needed} bytes (voxels from offset ${offset}), the file has ${buffer.byteLength}`);
  }
  const spacing = [1, 2, 3].map((i) => Math.abs(header.pixDims[i]) || 1) as Vec3;
  return {
    shape,
    spacing,
    dataType,
    data: voxels(new Uint8Array(buffer, offset), dataType, count, header.littleEndian),
    sclSlope: header.scl_slope,
    sclInter: header.scl_inter,
    units: header.xyzt_units,
    orientation: {
      qformCode: header.qform_code,
      sformCode: header.sform_code,
      quaternion: [header.quatern_b, header.quatern_c, header.quatern_d],
      offset: [header.qoffset_x, header.qoffset_y, header.qoffset_z],
      qfac: header.pixDims[0] === -1 ? -1 : 1,
      sform: srows(buffer, header.littleEndian),
    },
  };
}

/** srow_x/y/z as stored: nifti-reader-js's affine is derived from the qform when that code wins. */
function srows(buffer: ArrayBuffer, littleEndian: boolean): [number[], number[], number[]] {
  const view = new DataView(buffer);
  const row = (r: number) => [0, 1, 2, 3].map((c) => view.getFloat32(280 + (r * 4 + c) * 4, littleEndian));
  return [row(0), row(1), row(2)];
}

/** Reads a .nii or .nii.gz file. */
export function readNifti(file: string): Volume {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  return decodeNifti(raw, file);
}
