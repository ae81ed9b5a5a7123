// The volumetric data seams, next to the 2D ones (../types.ts): a volume sample is plain typed arrays
// in [C][X][Y][Z] order (Z fastest, as nibabel and MONAI index a NIfTI image) with its voxel spacing,
// so volume transforms run without tensors; the tensors are (C, X, Y, Z) float32 and (X, Y, Z) int64.
import type { Vec3 } from "../../io/nifti-volume.js";

export interface RawVolumeSample {
  /** Voxels along X, Y, Z. */
  shape: Vec3;
  /** Voxel size along X, Y, Z (millimetres for NIfTI files in mm). */
  spacing: Vec3;
  channels: number;
  /** C×X×Y×Z intensities. */
  image: Float32Array;
  /** X×Y×Z class indices; `ignoreIndex` marks voxels to leave out. */
  label: Uint8Array;
  /** The image file (or a synthetic name). */
  file: string;
}

export type VolumeTransform = (s: RawVolumeSample, rng: import("../rng.js").Rng) => RawVolumeSample;

export interface VolumeDataset {
  classes: string[];
  ignoreIndex: number;
  length: number;
  /** The file sample i comes from, for messages. */
  file(i: number): string;
  raw(i: number): Promise<RawVolumeSample>;
}
