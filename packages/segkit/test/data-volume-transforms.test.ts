// Volume transforms: resampling equals libtorch's upsample_trilinear3d (align_corners=False) for
// intensities and upsample_nearest3d for labels; random crops take image and label from the same
// box; flips are their own inverse; normalisation gives zero mean and unit variance (over non-zero
// voxels with nonzero); bad options and too-small volumes name the option or the file. Configs name
// them through the registry (kind "volume_transform") in a volume pipeline.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { Rng } from "../src/data/rng.js";
import type { RawVolumeSample } from "../src/data/volumes/types.js";
import { resampleVolume, volumeRandomCrop, volumeRandomFlip, volumeResample } from "../src/data/volumes/volume-geometry.js";
import { volumeNormalize } from "../src/data/volumes/volume-normalize.js";
import { buildVolumePipeline } from "../src/data/volumes/volume-pipeline.js";
import { buildPipeline } from "../src/data/transforms/pipeline.js";
import { registered } from "../src/config/registry.js";

function sample(shape: [number, number, number], channels = 2): RawVolumeSample {
  const voxels = shape[0] * shape[1] * shape[2];
  const rng = new Rng(4);
  return {
    shape, spacing: [1, 1, 2], channels, file: "case.nii.gz",
    image: Float32Array.from({ length: channels * voxels }, () => rng.uniform(-3, 5)),
    label: Uint8Array.from({ length: voxels }, (_, v) => v % 251),
  };
}

test("resampling equals libtorch's trilinear (images) and nearest (labels) interpolation", () => {
  const s = sample([5, 7, 4]);
  for (const shape of [[9, 4, 8], [3, 7, 11]] as [number, number, number][]) {
    const out = resampleVolume(s, shape);
    torch.tidy(() => {
      const image = torch.tensor(s.image).reshape([1, 2, ...s.shape]);
      const trilinear = torch.upsampleTrilinear3d(image, shape, false).toTypedArray() as Float32Array;
      trilinear.forEach((v, i) => assert.ok(Math.abs(v - out.image[i]) < 1e-5, `voxel ${i}: ${out.image[i]} vs ${v}`));
      const label = torch.tensor(Float32Array.from(s.label)).reshape([1, 1, ...s.shape]);
      assert.deepEqual([...out.label], [...(torch.upsampleNearest3d(label, shape).toTypedArray() as Float32Array)]);
    });
  }
  const resampled = volumeResample({ spacing: [0.5, 2, 1] })(s, new Rng(0));
  assert.deepEqual(resampled.shape, [10, 4, 8]);
  assert.deepEqual(resampled.spacing, [0.5, 2, 1]);
});

test("random crops cut image channels and label at the same box; flips undo themselves", () => {
  const s = sample([6, 5, 4]);
  s.image = Float32Array.from({ length: s.image.length }, (_, i) => i % 120);
  s.label = Uint8Array.from({ length: 120 }, (_, v) => v);
  const crop = volumeRandomCrop({ size: [3, 2, 4] })(s, new Rng(9));
  assert.deepEqual(crop.shape, [3, 2, 4]);
  assert.deepEqual([...crop.image.subarray(0, 24)], [...crop.label]);
  assert.deepEqual([...crop.image.subarray(24)], [...crop.label]);
  const flip = volumeRandomFlip({ prob: 1 });
  const flipped = flip(s, new Rng(1));
  assert.notDeepEqual([...flipped.label], [...s.label]);
  assert.deepEqual(flip(flipped, new Rng(1)), s);
  assert.throws(() => volumeRandomCrop({ size: [7, 2, 2] })(s, new Rng(0)), /case\.nii\.gz is \[6, 5, 4\], smaller than the crop \[7, 2, 2\]/);
  assert.throws(() => volumeRandomCrop({ size: [2, 2] }), /"size" must be three numbers/);
  assert.throws(() => volumeResample({ spacing: [1, 0, 1] }), /"spacing" must be three positive numbers/);
});

test("normalisation: zero mean, unit variance per channel, over non-zero voxels with nonzero, after the clip", () => {
  const s = sample([4, 4, 4]);
  s.image.fill(0, 0, 10);
  for (const nonzero of [false, true]) {
    const out = volumeNormalize({ nonzero, clip: [-2, 4] })(s, new Rng(0));
    for (let c = 0; c < 2; c++) {
      const values = [...out.image.subarray(c * 64, (c + 1) * 64)].filter((_, i) => !(nonzero && c === 0 && i < 10));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `channel ${c}: mean ${mean}, variance ${variance}`);
    }
    if (nonzero) assert.deepEqual([...out.image.subarray(0, 10)], Array(10).fill(0));
  }
  assert.throws(() => volumeNormalize({ clip: [3, 1] }), /"clip" must be \[low, high\] with low < high/);
});

test("a volume pipeline config names the registered volume transforms and runs them in order", () => {
  const s = sample([6, 5, 4]);
  const config = [
    { type: "resample", spacing: [2, 1, 1] },
    { type: "random_crop", size: [3, 4, 8] },
    { type: "random_flip", prob: 1 },
    { type: "normalize", clip: [-2, 4] },
  ];
  const out = buildVolumePipeline(config)(s, new Rng(3));
  // The same steps called directly, with the same random stream, give the same volume.
  const rng = new Rng(3);
  const direct = volumeNormalize({ clip: [-2, 4] })(volumeRandomFlip({ prob: 1 })(volumeRandomCrop({ size: [3, 4, 8] })(volumeResample({ spacing: [2, 1, 1] })(s, rng), rng), rng), rng);
  assert.deepEqual(out.shape, [3, 4, 8]);
  assert.deepEqual(out.spacing, [2, 1, 1]);
  assert.deepEqual(out, direct);
  assert.deepEqual(registered("volume_transform"), ["normalize", "random_crop", "random_flip", "resample"]);
});

test("a volume pipeline names the step and the key it refuses", () => {
  assert.throws(() => buildVolumePipeline([{ type: "resample", spacing: [1, 1, 1] }, { type: "random_crop", sizes: [2, 2, 2] }]),
    /pipeline\[1\] \(volume_transform "random_crop"\): unknown key "sizes" \(did you mean "size"\?\); allowed: size/);
  assert.throws(() => buildVolumePipeline([{ type: "random_rotate" }]), /pipeline\[0\]: unknown volume_transform "random_rotate".*known: normalize, random_crop, random_flip, resample/);
  assert.throws(() => buildVolumePipeline([{ type: "random_crop", size: [2, 2] }], "train.pipeline"), /train\.pipeline\[0\]: volume transform random_crop: "size" must be three numbers/);
  // Image transforms and volume transforms are different kinds: neither pipeline builds the other's.
  assert.throws(() => buildPipeline([{ type: "resample", spacing: [1, 1, 1] }], 255), /unknown transform "resample"/);
});
