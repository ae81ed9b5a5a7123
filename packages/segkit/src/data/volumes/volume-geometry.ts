// Geometric volume transforms: random crop, random flip and resampling to a target spacing
// (trilinear for intensities, nearest for labels, as PyTorch's interpolate with align_corners=False).
// Samples are [C][X][Y][Z] (Z fastest); options are read with the transforms' option readers.
import { register } from "../../config/registry.js";
import { num, triple, type Options } from "../options.js";
import type { Vec3 } from "../../io/nifti-volume.js";
import type { RawVolumeSample, VolumeTransform } from "./types.js";

/** Copies the box at `origin` of `size` out of every channel and the label. */
function cropBox(s: RawVolumeSample, origin: Vec3, size: Vec3): RawVolumeSample {
  const [, ny, nz] = s.shape;
  const [sx, sy, sz] = size;
  const voxels = sx * sy * sz;
  const image = new Float32Array(s.channels * voxels);
  const label = new Uint8Array(voxels);
  for (let c = 0; c < s.channels; c++) {
    for (let x = 0; x < sx; x++) {
      for (let y = 0; y < sy; y++) {
        const from = ((c * s.shape[0] + origin[0] + x) * ny + origin[1] + y) * nz + origin[2];
        const to = ((c * sx + x) * sy + y) * sz;
        image.set(s.image.subarray(from, from + sz), to);
        if (c === 0) label.set(s.label.subarray(from, from + sz), (x * sy + y) * sz);
      }
    }
  }
  return { ...s, shape: [...size], image, label };
}

/** A random box of `size` (each side at most the volume's). */
export function volumeRandomCrop(o: Options): VolumeTransform {
  const size = triple(o, "size", [], "volume transform random_crop");
  if (!size.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`volume transform random_crop: "size" must be three positive integers, got [${size.join(", ")}]`);
  return (s, rng) => {
    if (size.some((v, i) => v > s.shape[i])) throw new Error(`volume transform random_crop: ${s.file} is [${s.shape.join(", ")}], smaller than the crop [${size.join(", ")}]`);
    return cropBox(s, s.shape.map((v, i) => rng.int(v - size[i] + 1)) as Vec3, size);
  };
}

/** Mirrors along each axis independently with probability `prob`. */
export function volumeRandomFlip(o: Options): VolumeTransform {
  const prob = num(o, "prob", 0.5, "volume transform random_flip", [0, 1]);
  return (s, rng) => {
    const flips = [rng.chance(prob), rng.chance(prob), rng.chance(prob)];
    if (!flips.some(Boolean)) return s;
    const [nx, ny, nz] = s.shape;
    const voxels = nx * ny * nz;
    const image = new Float32Array(s.image.length);
    const label = new Uint8Array(voxels);
    for (let x = 0; x < nx; x++) {
      for (let y = 0; y < ny; y++) {
        for (let z = 0; z < nz; z++) {
          const from = (x * ny + y) * nz + z;
          const to = ((flips[0] ? nx - 1 - x : x) * ny + (flips[1] ? ny - 1 - y : y)) * nz + (flips[2] ? nz - 1 - z : z);
          label[to] = s.label[from];
          for (let c = 0; c < s.channels; c++) image[c * voxels + to] = s.image[c * voxels + from];
        }
      }
    }
    return { ...s, image, label };
  };
}

/** Source coordinate and weight of the upper neighbour for output index `i` (align_corners=False). */
function linearSource(i: number, scale: number, size: number): [number, number, number] {
  const src = Math.max((i + 0.5) * scale - 0.5, 0);
  const lo = Math.min(Math.floor(src), size - 1);
  return [lo, Math.min(lo + 1, size - 1), src - lo];
}

/** Resamples to `shape`: trilinear intensities, nearest labels (PyTorch's interpolate conventions). */
export function resampleVolume(s: RawVolumeSample, shape: Vec3): RawVolumeSample {
  const [nx, ny, nz] = s.shape;
  const [ox, oy, oz] = shape;
  const scale = [nx / ox, ny / oy, nz / oz];
  const voxelsIn = nx * ny * nz;
  const voxels = ox * oy * oz;
  const image = new Float32Array(s.channels * voxels);
  const label = new Uint8Array(voxels);
  const xs = Array.from({ length: ox }, (_, i) => linearSource(i, scale[0], nx));
  const ys = Array.from({ length: oy }, (_, i) => linearSource(i, scale[1], ny));
  const zs = Array.from({ length: oz }, (_, i) => linearSource(i, scale[2], nz));
  const at = (x: number, y: number, z: number) => (x * ny + y) * nz + z;
  for (let x = 0; x < ox; x++) {
    const [x0, x1, wx] = xs[x];
    for (let y = 0; y < oy; y++) {
      const [y0, y1, wy] = ys[y];
      for (let z = 0; z < oz; z++) {
        const [z0, z1, wz] = zs[z];
        const out = (x * oy + y) * oz + z;
        label[out] = s.label[at(Math.min(Math.floor(x * scale[0]), nx - 1), Math.min(Math.floor(y * scale[1]), ny - 1), Math.min(Math.floor(z * scale[2]), nz - 1))];
        for (let c = 0; c < s.channels; c++) {
          const v = s.image.subarray(c * voxelsIn, (c + 1) * voxelsIn);
          const along = (xa: number, ya: number) => v[at(xa, ya, z0)] * (1 - wz) + v[at(xa, ya, z1)] * wz;
          const plane = (xa: number) => along(xa, y0) * (1 - wy) + along(xa, y1) * wy;
          image[c * voxels + out] = plane(x0) * (1 - wx) + plane(x1) * wx;
        }
      }
    }
  }
  return { ...s, shape: [...shape], image, label };
}

/** Resamples to the voxel size `spacing`: each side becomes round(side × old spacing / new spacing). */
export function volumeResample(o: Options): VolumeTransform {
  const spacing = triple(o, "spacing", [], "volume transform resample");
  if (!spacing.every((v) => v > 0)) throw new Error(`volume transform resample: "spacing" must be three positive numbers, got [${spacing.join(", ")}]`);
  return (s) => {
    const shape = s.shape.map((n, i) => Math.max(1, Math.round((n * s.spacing[i]) / spacing[i]))) as Vec3;
    return { ...resampleVolume(s, shape), spacing: [...spacing] };
  };
}

register("volume_transform", "random_crop", { options: ["size"], build: volumeRandomCrop, summary: "random box of [X, Y, Z] voxels from image and label" });
register("volume_transform", "random_flip", { options: ["prob"], build: volumeRandomFlip, summary: "mirror along each axis with a probability" });
register("volume_transform", "resample", { options: ["spacing"], build: volumeResample, summary: "resample to a voxel spacing (trilinear image, nearest label)" });
