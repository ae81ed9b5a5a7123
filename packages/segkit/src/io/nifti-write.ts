/**
 * Writing NIfTI-1 volumes: the header through nifti-reader-js's NIFTI1.toArrayBuffer, the voxels
 * little-endian after it at offset 352, gzipped when the name ends in .gz, replaced atomically.
 */
import { gzipSync } from "node:zlib";
import { NIFTI1 } from "nifti-reader-js";
import { writeFileAtomic } from "@segkit/torch";
import { NIFTI_DATA_TYPES, type Volume } from "./nifti-volume.js";

const VOX_OFFSET = 352;

function headerOf(volume: Volume): NIFTI1 {
  const { shape, spacing, orientation } = volume;
  const header = new NIFTI1();
  header.littleEndian = true;
  header.dims = [3, ...shape, 1, 1, 1, 1];
  header.datatypeCode = NIFTI_DATA_TYPES[volume.dataType].code;
  header.numBitsPerVoxel = NIFTI_DATA_TYPES[volume.dataType].bits;
  header.pixDims = [orientation.qfac, ...spacing, 0, 0, 0, 0];
  header.vox_offset = VOX_OFFSET;
  header.scl_slope = volume.sclSlope;
  header.scl_inter = volume.sclInter;
  header.xyzt_units = volume.units;
  header.qform_code = orientation.qformCode;
  header.sform_code = orientation.sformCode;
  [header.quatern_b, header.quatern_c, header.quatern_d] = orientation.quaternion;
  [header.qoffset_x, header.qoffset_y, header.qoffset_z] = orientation.offset;
  header.affine = [...orientation.sform.map((row) => [...row]), [0, 0, 0, 1]];
  header.magic = "n+1";
  return header;
}

/** The bytes of a .nii file holding `volume`. */
export function encodeNifti(volume: Volume): Uint8Array {
  const count = volume.shape[0] * volume.shape[1] * volume.shape[2];
  if (volume.data.length !== count) throw new RangeError(`encodeNifti: ${volume.data.length} voxels for shape [${volume.shape.join(", ")}]`);
  const header = new Uint8Array(headerOf(volume).toArrayBuffer());
  const out = new Uint8Array(VOX_OFFSET + volume.data.byteLength);
  out.set(header, 0);
  const view = new DataView(out.buffer, VOX_OFFSET);
  const size = NIFTI_DATA_TYPES[volume.dataType].bits / 8;
  const write: Record<Volume["dataType"], (i: number, v: number) => void> = {
    uint8: (i, v) => view.setUint8(i, v),
    int8: (i, v) => view.setInt8(i, v),
    int16: (i, v) => view.setInt16(i * size, v, true),
    uint16: (i, v) => view.setUint16(i * size, v, true),
    int32: (i, v) => view.setInt32(i * size, v, true),
    float32: (i, v) => view.setFloat32(i * size, v, true),
    float64: (i, v) => view.setFloat64(i * size, v, true),
  };
  const put = write[volume.dataType];
  for (let i = 0; i < count; i++) put(i, volume.data[i]);
  return out;
}

/** Writes `volume` to a .nii file, or gzipped to a .nii.gz file. */
export function writeNifti(file: string, volume: Volume): void {
  if (!/\.nii(\.gz)?$/.test(file)) throw new Error(`writeNifti: ${file} must end in .nii or .nii.gz`);
  const bytes = encodeNifti(volume);
  writeFileAtomic(file, file.endsWith(".gz") ? gzipSync(bytes) : bytes);
}
