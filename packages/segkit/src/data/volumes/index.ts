// Volumes: NIfTI-1 files, volume datasets and transforms (segkit's 3D path, used by V-Net).
export type { RawVolumeSample, VolumeDataset, VolumeTransform } from "./types.js";
export { SyntheticVolumeDataset, SYNTHETIC_VOLUME_CLASSES } from "./synthetic-volumes.js";
export { NiftiFolderDataset } from "./nifti-folder.js";
export { resampleVolume, volumeRandomCrop, volumeRandomFlip, volumeResample } from "./volume-geometry.js";
export { volumeNormalize } from "./volume-normalize.js";
export { buildVolumePipeline } from "./volume-pipeline.js";
export { readNifti, decodeNifti } from "../../io/nifti-read.js";
export { writeNifti, encodeNifti } from "../../io/nifti-write.js";
export {
  defaultOrientation, qformAffine, volumeFromValues, volumeValues, NIFTI_DATA_TYPES,
  type NiftiDataType, type NiftiOrientation, type Vec3, type Volume, type VoxelArray,
} from "../../io/nifti-volume.js";
