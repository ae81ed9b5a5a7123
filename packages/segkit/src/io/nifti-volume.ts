/**
 * A NIfTI-1 volume as segkit keeps it: the stored voxel values in their file type, the voxel
 * spacing, the intensity scaling (scl_slope/scl_inter) and the orientation fields, so that a volume
 * read and written again keeps its geometry. Arrays handed to models are [X][Y][Z] with Z fastest
 * (nibabel's and MONAI's indexing of a NIfTI image); the file stores X fastest.
 */

export type NiftiDataType = "uint8" | "int8" | "int16" | "uint16" | "int32" | "float32" | "float64";
export type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;
export type Vec3 = [number, number, number];

/** NIfTI-1 datatype codes (nifti1.h) and their array types. */
export const NIFTI_DATA_TYPES: Record<NiftiDataType, { code: number; bits: number; make: (n: number) => VoxelArray }> = {
  uint8: { code: 2, bits: 8, make: (n) => new Uint8Array(n) },
  int16: { code: 4, bits: 16, make: (n) => new Int16Array(n) },
  int32: { code: 8, bits: 32, make: (n) => new Int32Array(n) },
  float32: { code: 16, bits: 32, make: (n) => new Float32Array(n) },
  float64: { code: 64, bits: 64, make: (n) => new Float64Array(n) },
  int8: { code: 256, bits: 8, make: (n) => new Int8Array(n) },
  uint16: { code: 512, bits: 16, make: (n) => new Uint16Array(n) },
};

/** Where the voxels are in space: NIfTI's qform (quaternion) and sform (affine rows) fields. */
export interface NiftiOrientation {
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quaternion: Vec3;
  /** qoffset_x, qoffset_y, qoffset_z. */
  offset: Vec3;
  /** pixdim[0]: 1 or -1, the handedness of the qform. */
  qfac: number;
  /** srow_x, srow_y, srow_z: the first three rows of the sform affine. */
  sform: [number[], number[], number[]];
}

export interface Volume {
  /** Voxels along i, j, k (dim[1..3]). */
  shape: Vec3;
  /** Voxel size along i, j, k (pixdim[1..3]), in the file's spatial unit. */
  spacing: Vec3;
  dataType: NiftiDataType;
  /** Stored values, i fastest (the file's order). */
  data: VoxelArray;
  /** Real value = slope × stored + inter; a slope of 0 means unscaled (nifti1.h). */
  sclSlope: number;
  sclInter: number;
  /** xyzt_units: the spatial and temporal units. */
  units: number;
  orientation: NiftiOrientation;
}

/** No rotation, origin 0, sform = diag(spacing): what a volume made in memory gets. */
export function defaultOrientation(spacing: Vec3): NiftiOrientation {
  return {
    qformCode: 1,
    sformCode: 1,
    quaternion: [0, 0, 0],
    offset: [0, 0, 0],
    qfac: 1,
    sform: [[spacing[0], 0, 0, 0], [0, spacing[1], 0, 0], [0, 0, spacing[2], 0]],
  };
}

/** The real voxel values (scaling applied) as a float32 [X][Y][Z] array, Z fastest. */
export function volumeValues(volume: Volume): Float32Array {
  const [nx, ny, nz] = volume.shape;
  const scaled = volume.sclSlope !== 0 && Number.isFinite(volume.sclSlope);
  const slope = scaled ? volume.sclSlope : 1;
  const inter = scaled ? volume.sclInter : 0;
  const out = new Float32Array(nx * ny * nz);
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) {
      for (let z = 0; z < nz; z++) out[(x * ny + y) * nz + z] = slope * volume.data[(z * ny + y) * nx + x] + inter;
    }
  }
  return out;
}

/**
 * A volume storing `values` ([X][Y][Z], Z fastest) as `dataType`, unscaled: integer types round and
 * must hold the values.
 */
export function volumeFromValues(values: ArrayLike<number>, shape: Vec3, spacing: Vec3, dataType: NiftiDataType,
  orientation: NiftiOrientation = defaultOrientation(spacing)): Volume {
  const [nx, ny, nz] = shape;
  if (values.length !== nx * ny * nz) throw new RangeError(`volumeFromValues: ${values.length} values for shape [${shape.join(", ")}]`);
  const data = NIFTI_DATA_TYPES[dataType].make(values.length);
  const integer = !(data instanceof Float32Array || data instanceof Float64Array);
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) {
      for (let z = 0; z < nz; z++) {
        const v = values[(x * ny + y) * nz + z];
        const stored = integer ? Math.round(v) : v;
        data[(z * ny + y) * nx + x] = stored;
        if (integer && data[(z * ny + y) * nx + x] !== stored) {
          throw new RangeError(`volumeFromValues: value ${v} at [${x}, ${y}, ${z}] does not fit ${dataType}`);
        }
      }
    }
  }
  return { shape: [...shape], spacing: [...spacing], dataType, data, sclSlope: 1, sclInter: 0, units: 2, orientation };
}

/** The 4×4 voxel-to-world affine of the qform (nifti1.h, method 2): rotation × diag(spacing, qfac) + offset. */
export function qformAffine(orientation: NiftiOrientation, spacing: Vec3): number[][] {
  const [b, c, d] = orientation.quaternion;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const rotation = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
  ];
  const scale = [spacing[0], spacing[1], spacing[2] * orientation.qfac];
  return [
    ...rotation.map((row, r) => [...row.map((v, col) => v * scale[col]), orientation.offset[r]]),
    [0, 0, 0, 1],
  ];
}
